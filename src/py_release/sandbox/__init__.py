"""The release sandbox: real servers on 127.0.0.1 standing in for public services.

Needs the optional extra ``py-release[sandbox]``.
"""
