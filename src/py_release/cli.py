"""Command line: parses arguments and dispatches; the work happens elsewhere.

``main`` is the only place that decides the exit code: 0 done, 1 a ``ReleaseError`` the user
can fix, 2 a usage error or a bug.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from py_release import __version__
from py_release.config import load_config
from py_release.errors import ReleaseError, troubleshooting_url
from py_release.github.context import load_context
from py_release.index.repositories import PYPI_UPLOAD_URL
from py_release.inputs import INPUTS
from py_release.parsers import parse_repository_url
from py_release.reporter import Reporter, libraries_logging_to, reporter_from_environ
from py_release.secrets import Secret, basic_credentials

EXIT_OK, EXIT_USER, EXIT_BUG = 0, 1, 2
PASSWORD_VARIABLES = ("INPUT_PASSWORD", "PY_RELEASE_PASSWORD")
# The GitHub Release token: the input, or outside a workflow the usual GITHUB_TOKEN.
TOKEN_VARIABLES = ("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN", "GITHUB_TOKEN")


def _add_input_flags(parser: argparse.ArgumentParser) -> None:
    for spec in INPUTS:
        if spec.kind == "secret":
            continue  # a password on the command line ends up in shell history and ps
        flag = f"--{spec.name}"
        help_text = f"{spec.description} (default: {spec.default or 'none'})"
        if spec.choices:
            help_text += f" One of: {', '.join(spec.choices)}."
        if spec.kind in ("bool", "auto-bool"):
            parser.add_argument(flag, nargs="?", const="true", metavar="VALUE", help=help_text)
        else:
            parser.add_argument(flag, metavar="VALUE", help=help_text)


class FileCommandError(ReleaseError):
    """The step outputs or the job summary could not be written (``GITHUB_OUTPUT`` or
    ``GITHUB_STEP_SUMMARY`` is not a writable file). The run's own result is in the log.
    Fix: leave the runner's file-command variables as the runner set them."""


class UsageError(ReleaseError):
    """The command line itself is wrong: an unknown command or flag, or a flag's value.
    Fix: ``py-release --help`` (or ``py-release COMMAND --help``) lists what each takes."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing and exiting, so a usage error is reported like
    every other error (exit 1), and never repeats the values of arguments it does not know:
    ``--password hunter2`` is not a flag, and the value must not reach the log."""

    def error(self, message: str) -> NoReturn:
        head, _, rest = message.partition("unrecognized arguments: ")
        if rest:
            flags = sorted({word.split("=", 1)[0] for word in rest.split() if word[:1] == "-"})
            shown = ", ".join(flags) if flags else "values"
            message = f"{head}unrecognized arguments: {shown} (their values are not shown)"
        hint = f"`{self.prog} --help` lists what it takes"
        if "--password" in message:
            hint = (
                "a password is never a flag (it would stay in shell history and ps): set "
                "PY_RELEASE_PASSWORD or INPUT_PASSWORD; " + hint
            )
        raise UsageError(f"{self.prog}: {message}", hint)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="py-release",
        description="Build, check and publish a Python project. Inputs come from flags or "
        "INPUT_<NAME> variables; the password only from INPUT_PASSWORD or PY_RELEASE_PASSWORD.",
    )
    parser.add_argument("--version", action="version", version=f"py-release {__version__}")
    commands = parser.add_subparsers(dest="command")
    publish = commands.add_parser("publish", help="build, check and upload (the default)")
    _add_input_flags(publish)
    check = commands.add_parser("check", help="check distributions without uploading")
    check.add_argument("paths", nargs="+", type=Path, help="distribution files or folders")
    check.add_argument("--repository-url", default=PYPI_UPLOAD_URL)
    check.add_argument("--max-file-size", default="100MiB")
    check.add_argument("--tag", help="the tag the release is for; must match the version")
    demo = commands.add_parser(
        "demo", help="release the bundled sample project to a local PyPI stand-in"
    )
    demo.add_argument("--project", type=Path, help="project to release (default: the sample)")
    demo.add_argument("--keep", action="store_true", help="keep the index's files afterwards")
    verify = commands.add_parser(
        "verify",
        help="verify a release's PEP 740 attestations against its trusted publisher",
    )
    verify.add_argument(
        "targets", nargs="+", help="PROJECT==VERSION on the index, or distribution files"
    )
    verify.add_argument("--repository", required=True, help="owner/name that published it")
    verify.add_argument("--workflow", required=True, help="workflow file name, e.g. release.yml")
    verify.add_argument("--environment", help="deployment environment of the publisher")
    verify.add_argument("--repository-url", default=PYPI_UPLOAD_URL)
    verify.add_argument(
        "--sigstore-trust-config", type=Path, help="ClientTrustConfig of a private Sigstore"
    )
    verify.add_argument(
        "--offline",
        action="store_true",
        help="public Sigstore: use the cached or bundled trust root, do not refresh it",
    )
    sandbox = commands.add_parser(
        "sandbox",
        help="start local stand-ins for GitHub's ID-token issuer and releases API, PyPI and "
        "TestPyPI, for rehearsing a release workflow under act",
    )
    sandbox.add_argument("--project", help="project to trust (default: from ./pyproject.toml)")
    sandbox.add_argument("--repository", default="octo-org/sample-project", help="owner/name")
    sandbox.add_argument("--owner-id", default="100001", help="the owner's numeric account id")
    sandbox.add_argument("--workflow", default="release.yml", help="workflow file name")
    sandbox.add_argument("--environment", default="pypi", help="deployment environment ('' = none)")
    sandbox.add_argument("--ref", default="refs/tags/v1.0.0", help="ref the issued tokens name")
    sandbox.add_argument("--env-file", type=Path, help="also write the act variables to this file")
    sandbox.add_argument(
        "--secret-file",
        type=Path,
        help="write act's secrets (the GitHub API stand-in's job token) to this file, for act "
        "--secret-file (default: a private temporary file, removed on exit)",
    )
    sandbox.add_argument(
        "--advisories",
        type=Path,
        help="the vulnerability data PyPI's stand-in serves, a JSON seed file (default: one "
        "made-up advisory for the made-up project py-release-vulnerable-example)",
    )
    sandbox.add_argument(
        "--workflow-file",
        type=Path,
        help="the workflow to rehearse, for the stand-ins of the actions it uses (default: "
        ".github/workflows/<--workflow> here)",
    )
    init = commands.add_parser(
        "init",
        help="write .github/workflows/release.yml for this project and print what to enter "
        "in PyPI's and TestPyPI's trusted-publisher forms",
    )
    init.add_argument("--project-dir", type=Path, default=Path(), help="folder of pyproject.toml")
    init.add_argument("--branch", default="main", help="pushes to it publish to TestPyPI")
    init.add_argument(
        "--github-release",
        nargs="?",
        const="true",
        default="false",
        choices=("false", "true", "draft"),
        help="the PyPI job also creates the GitHub Release for the tag (draft: as a draft)",
    )
    init.add_argument("--force", action="store_true", help="replace an existing release.yml")
    init.add_argument(
        "--matrix",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="build the wheels with cibuildwheel on every platform (default: when the project "
        "is compiled)",
    )
    doctor = commands.add_parser(
        "doctor", help="audit GitHub workflows against the release security checklist"
    )
    doctor.add_argument(
        "workflows", nargs="*", type=Path, help="default: .github/workflows/*.yml and *.yaml"
    )
    return parser


def _environ_with_password(environ: Mapping[str, str]) -> dict[str, str]:
    merged = dict(environ)
    if not merged.get("INPUT_PASSWORD") and merged.get("PY_RELEASE_PASSWORD"):
        merged["INPUT_PASSWORD"] = merged["PY_RELEASE_PASSWORD"]
    merged.pop("PY_RELEASE_PASSWORD", None)
    token_input_empty = not (merged.get("INPUT_GITHUB-TOKEN") or merged.get("INPUT_GITHUB_TOKEN"))
    if token_input_empty and merged.get("GITHUB_TOKEN"):
        merged["INPUT_GITHUB-TOKEN"] = merged["GITHUB_TOKEN"]
    return merged


def _mask_secrets_first(environ: Mapping[str, str], reporter: Reporter) -> None:
    # Before any other output, even before the inputs are validated: an error message about
    # another input must not be the first line the runner sees unmasked.
    user = environ.get("INPUT_USER", "").strip() or "__token__"
    for name in (*PASSWORD_VARIABLES, *TOKEN_VARIABLES):
        value = environ.get(name, "").strip()
        if value:
            reporter.mask(Secret(value))
            if name in PASSWORD_VARIABLES:
                reporter.mask(basic_credentials(user, Secret(value)))


def run_publish(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    from py_release.environment import release_environment
    from py_release.release import run_release

    flags = {spec.name: getattr(args, spec.name.replace("-", "_"), None) for spec in INPUTS}
    config = load_config(_environ_with_password(environ), flags)
    if config.password:  # the user may come from a flag, known only now
        reporter.mask(basic_credentials(config.user, config.password))
    reporter.verbose = config.verbose
    env = release_environment(config=config, context=load_context(environ), reporter=reporter)
    try:
        run_release(env)
    finally:
        env.close()
    return EXIT_OK


def run_check(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    """The publish command's check stage on the files named, with the flags as its inputs."""
    import requests

    from py_release.decide import decide
    from py_release.distributions.check import check_stage
    from py_release.distributions.files import DistFile, dist_kind, scan_packages_dir
    from py_release.environment import release_environment
    from py_release.github.context import GitHubContext
    from py_release.index.credentials import StaticCredentials
    from py_release.plan import Plan

    dists: list[DistFile] = []
    for path in args.paths:
        if path.is_dir():
            dists += scan_packages_dir(path).dists
        elif path.is_file() and dist_kind(path.name):
            dists.append(DistFile(path))
        else:
            raise ReleaseError(
                f"{path} is not a distribution file or a folder of them",
                "pass .whl and .tar.gz files, or folders holding them",
            )
    flags = {
        "repository-url": args.repository_url,
        "max-file-size": args.max_file_size,
        "check-tag": "true" if args.tag else "false",
        "print-hash": "false",
    }
    # Only the flags: this command checks files, whatever the INPUT_* of the shell say.
    config = load_config({}, flags)
    context = GitHubContext(ref=f"refs/tags/{args.tag}" if args.tag else None)
    reporter.verbose = True
    plan = Plan(
        decision=decide(config, context, has_dists=True),
        credentials=StaticCredentials(config.user, None),
        dists=tuple(dists),
    )
    with requests.Session() as session:
        env = release_environment(
            config=config, context=context, reporter=reporter, session=session
        )
        plan = check_stage(plan, env)
    if plan.failure is not None:
        raise plan.failure
    return EXIT_OK


def run_demo(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    from py_release.demo import run_demo as demo

    return demo(project=args.project, keep=args.keep, reporter=reporter)


def run_verify(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    import requests
    from pypi_attestations import GitHubPublisher

    from py_release.attest.check_release import raise_for, verify_local, verify_published
    from py_release.attest.trust import load_trusted_root
    from py_release.index.repositories import index_info

    publisher = GitHubPublisher(
        repository=args.repository, workflow=args.workflow, environment=args.environment
    )
    trusted_root = load_trusted_root(args.sigstore_trust_config, offline=args.offline)
    index = index_info(parse_repository_url("repository-url", args.repository_url))
    verdicts = []
    with requests.Session() as session:
        for target in args.targets:
            if "==" in target and not Path(target).exists():
                verdicts += verify_published(
                    target, publisher, index=index, trusted_root=trusted_root, session=session
                )
            else:
                verdicts += verify_local([Path(target)], publisher, trusted_root=trusted_root)
    for verdict in verdicts:
        mark = {"verified": "ok", "refuted": "FAILED", "unchecked": "NOT CHECKED"}[verdict.outcome]
        reporter.info(f"{mark:>6}  {verdict.name}: {verdict.detail}")
    raise_for(verdicts, publisher)
    reporter.info(f"all {len(verdicts)} files verify against {args.repository} / {args.workflow}")
    return EXIT_OK


def run_sandbox(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    from py_release.sandbox.command import project_name_from, run_sandbox
    from py_release.sandbox.identity import JobIdentity

    identity = JobIdentity(
        repository=args.repository,
        repository_owner_id=args.owner_id,
        workflow_file=args.workflow,
        environment=args.environment or None,
        ref=args.ref,
    )
    project = args.project or project_name_from(Path("pyproject.toml"))
    workflow_file = args.workflow_file or Path(".github", "workflows", args.workflow)
    return run_sandbox(
        identity=identity,
        project=project,
        env_file=args.env_file,
        secret_file=args.secret_file,
        reporter=reporter,
        workflow_file=workflow_file if workflow_file.is_file() else None,
        **({"advisories": args.advisories} if args.advisories else {}),
    )


def run_doctor(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    from py_release.workflow.audit import audit_files

    paths: list[Path] = args.workflows or sorted(Path(".github/workflows").glob("*.y*ml"))
    audit_files(paths, reporter)
    return EXIT_OK


def run_init(args: argparse.Namespace, environ: Mapping[str, str], reporter: Reporter) -> int:
    from py_release.workflow.init import init_workflow

    result = init_workflow(
        args.project_dir,
        branch=args.branch,
        github_release=args.github_release,
        force=args.force,
        matrix=args.matrix,
    )
    reporter.info(f"wrote {result.path}")
    for line in result.instructions:
        reporter.info(line)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Mapping[str, str], Reporter], int]] = {
    "publish": run_publish,
    "check": run_check,
    "demo": run_demo,
    "sandbox": run_sandbox,
    "verify": run_verify,
    "doctor": run_doctor,
    "init": run_init,
}


def _raise_for_write_failures(reporter: Reporter) -> None:
    if reporter.write_failures:
        raise FileCommandError(
            "the run finished, but its results could not all be written: "
            + "; ".join(reporter.write_failures),
            "GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are the runner's files: a step that "
            "changes or removes them breaks the steps after it; the log above has the run",
        )


def _tolerant_streams() -> None:
    """A console that cannot show a character (Windows' code pages and U+200B, which makes
    outside text inert in the log) gets an escape, never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def entry() -> NoReturn:
    """The console script and ``python -m py_release``: ``main``, then a quick exit.

    Tearing the interpreter down (every module of twine, requests, pydantic, sigstore) takes
    a tenth of a second or more after the work is done and the log written. The exit
    functions still run (temporary folders, logging) and the streams are flushed; freeing
    the memory is left to the OS. Every file py-release writes is closed where it is written.
    """
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    _tolerant_streams()
    reporter = reporter_from_environ(environ, verbose=True)
    _mask_secrets_first(environ, reporter)
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = arguments[0] if arguments else "-"
    if first.startswith("-") and first not in ("-h", "--help", "--version"):
        arguments.insert(0, "publish")
    try:
        args = build_parser().parse_args(arguments)
        with libraries_logging_to(reporter):
            code = COMMANDS[args.command](args, environ, reporter)
        if code == EXIT_OK:
            _raise_for_write_failures(reporter)
    except SystemExit as exit_:  # --help and --version
        return int(exit_.code or 0) and EXIT_USER
    except ReleaseError as error:
        reporter.fail(error.message, f"{error.hint}\nmore: {troubleshooting_url(error)}")
        return EXIT_USER
    except KeyboardInterrupt:
        reporter.error("interrupted")
        return EXIT_BUG
    except Exception:  # noqa: BLE001 -- a bug: say so, with a short traceback, and exit 2
        trace = traceback.format_exc(limit=6)
        reporter.error(
            "py-release hit an internal error; please report it with this log:\n" + trace,
            title="py-release bug",
        )
        return EXIT_BUG
    return code
