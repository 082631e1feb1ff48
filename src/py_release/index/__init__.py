"""Everything that talks to a package index."""
