"""The deployment files agree with the code they start.

Dockerfile, docker-compose.yml, .dockerignore and .env.example are checked by parsing them
(no Docker engine is needed): every service is health-checked and keeps its data on a named
volume, every command names a module, app or management command that exists, and every
environment variable the code or the compose file reads is documented in .env.example.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands
from django.urls import resolve

from config import env as config_env

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"

SERVICES = ("web", "worker", "beat", "postgres", "redis")
APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis")
HEALTH_URL = "http://127.0.0.1:8000/healthz"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address the container must listen on

# Read outside the Python code, so the source scan cannot find them: PORT by `make run`
# (and docker-compose.yml), CI by the test suite's broker marker, WEB_CONCURRENCY by
# gunicorn in the image.
VARIABLES_READ_ELSEWHERE = {"PORT", "CI", "WEB_CONCURRENCY"}


# --- Reading the files -------------------------------------------------------------------


@functools.cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def environment(svc: dict) -> dict[str, str]:
    raw = svc.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def volume_mounts(svc: dict) -> list[tuple[str, str]]:
    """(source, target) for each mount, in either compose syntax."""
    mounts = []
    for entry in svc.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((entry.get("source", ""), entry["target"]))
        else:
            source, _, rest = entry.partition(":")
            mounts.append((source, rest.split(":")[0]))
    return mounts


def named_volume_targets(svc: dict) -> dict[str, str]:
    """target -> volume name, for mounts of named volumes (not host paths)."""
    return {
        target: source
        for source, target in volume_mounts(svc)
        if source and not source.startswith(("/", ".", "~", "$"))
    }


def split_shell(script: str) -> list[list[str]]:
    """A shell script as simple commands: split on && || ; | and drop `exec`/`VAR=x`."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in {"&&", "||", ";", "|", "&"}:
            commands.append([])
        else:
            commands[-1].append(token)
    cleaned = []
    for words in commands:
        while words and (words[0] == "exec" or re.fullmatch(r"[A-Za-z_]\w*=.*", words[0])):
            words = words[1:]
        if words:
            cleaned.append(words)
    return cleaned


def simple_commands(argv: list[str]) -> list[list[str]]:
    """An exec-form command, with `sh -c "..."` opened up into the commands it runs."""
    if len(argv) >= 3 and Path(argv[0]).name in {"sh", "bash"} and argv[1] == "-c":
        return split_shell(argv[2])
    return [argv]


def compose_commands() -> list[tuple[str, list[str]]]:
    """(service, argv) for every command and health check in docker-compose.yml."""
    found = []
    for name, svc in compose()["services"].items():
        command = svc.get("command")
        if isinstance(command, str):
            found += [(name, argv) for argv in split_shell(command)]
        elif command:
            found += [(name, argv) for argv in simple_commands([str(c) for c in command])]
        test = (svc.get("healthcheck") or {}).get("test")
        if isinstance(test, str):
            found += [(name, argv) for argv in split_shell(test)]
        elif test and test[0] == "CMD-SHELL":
            found += [(name, argv) for argv in split_shell(test[1])]
        elif test and test[0] == "CMD":
            found += [(name, argv) for argv in simple_commands([str(c) for c in test[1:]])]
    return found


@functools.cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile_args(keyword: str) -> list[str]:
    return [args for instruction, args in dockerfile() if instruction == keyword]


def dockerfile_cmd() -> list[str]:
    cmds = dockerfile_args("CMD")
    assert cmds, "the Dockerfile has no CMD"
    return json.loads(cmds[-1])


def dockerfile_commands() -> list[list[str]]:
    commands = []
    for keyword in ("ENTRYPOINT", "CMD"):
        for args in dockerfile_args(keyword):
            commands += simple_commands(json.loads(args))
    return commands


@functools.cache
def env_example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def env_example_entries() -> dict[str, tuple[bool, str]]:
    """name -> (active, value), for `NAME=value` and commented-out `# NAME=value` lines."""
    entries = {}
    for line in env_example_lines():
        match = ASSIGNMENT.match(line.strip())
        if match:
            entries[match.group(2)] = (match.group(1) is None, match.group(3))
    return entries


def project_sources() -> list[Path]:
    """The project's own Python code: apps, config and manage.py (not tests or migrations)."""
    paths = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"tests", "node_modules"} or parts[0].startswith("."):
            continue
        if "migrations" in parts:
            continue
        paths.append(path)
    return paths


def env_helpers() -> set[str]:
    """Functions in config/env.py that read the variable named by their first argument."""
    tree = ast.parse((ROOT / "config" / "env.py").read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.args.args
        and node.args.args[0].arg == "name"
        and not node.name.startswith("_")
    }


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_environment(func: ast.AST, helpers: set[str]) -> bool:
    """os.environ.get/setdefault/pop(...), os.getenv(...) or env_bool(...) and friends."""
    if isinstance(func, ast.Name):
        return func.id in helpers
    if not isinstance(func, ast.Attribute):
        return False
    if _is_os_environ(func.value):
        return func.attr in {"get", "setdefault", "pop"}
    return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"


def variables_read(path: Path, helpers: set[str]) -> set[str]:
    """Names passed as string literals to os.environ/os.getenv or the config.env helpers."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        first = None
        if isinstance(node, ast.Call) and node.args and _reads_environment(node.func, helpers):
            first = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            first = node.slice
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


@functools.cache
def code_variables() -> frozenset[str]:
    helpers = env_helpers()
    names: set[str] = set()
    for path in project_sources():
        names |= variables_read(path, helpers)
    return frozenset(names)


def compose_variables() -> set[str]:
    """${VAR} / $VAR interpolations in docker-compose.yml; $$ is an escaped dollar."""
    text = COMPOSE_FILE.read_text()
    return set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def resolve_compose_value(value: str) -> str:
    """The value compose would pass when .env leaves the variable out."""

    def default(match: re.Match) -> str:
        operator, word = match.group(2), match.group(3)
        if operator in {":-", "-"}:
            return word
        return "set-in-dot-env"

    return re.sub(r"\$\{([A-Za-z_]\w*)(?:(:-|-|:\?|\?)([^}]*))?\}", default, value)


def manage_py_commands() -> list[str]:
    return sorted(
        {
            argv[2]
            for _, argv in compose_commands()
            if len(argv) >= 3 and argv[0].startswith("python") and argv[1] == "manage.py"
        }
    )


def gunicorn_targets(argv: list[str]) -> list[str]:
    return [arg for arg in argv[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", arg)]


def celery_app_names(argv: list[str]) -> list[str]:
    names = []
    for index, arg in enumerate(argv):
        if arg in {"-A", "--app"} and index + 1 < len(argv):
            names.append(argv[index + 1])
        elif arg.startswith("--app="):
            names.append(arg.split("=", 1)[1])
        elif arg.startswith("-A") and len(arg) > 2:
            names.append(arg[2:])
    return names


def celery_subcommand(argv: list[str]) -> str:
    """The word after `celery` and its global options (`celery -A config worker` -> worker)."""
    words = iter(argv[1:])
    for word in words:
        if word in {"-A", "--app", "-b", "--broker", "--workdir", "--config"}:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def option_value(argv: list[str], *options: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg in options and index + 1 < len(argv):
            return argv[index + 1]
        for option in options:
            if option.startswith("--") and arg.startswith(option + "="):
                return arg.split("=", 1)[1]
    return None


def dockerignore_excludes(path: str) -> bool:
    """Roughly Docker's rule: the last matching pattern wins; `!` re-includes."""
    excluded = False
    candidates = [path] + [str(parent) for parent in Path(path).parents if str(parent) != "."]
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            matches = any(
                fnmatch.fnmatch(Path(c).name, pattern[3:]) or fnmatch.fnmatch(c, pattern[3:])
                for c in candidates
            )
        else:
            matches = any(fnmatch.fnmatch(c, pattern) for c in candidates)
        if matches:
            excluded = not negate
    return excluded


# --- docker-compose.yml ------------------------------------------------------------------


def test_compose_file_defines_web_worker_beat_postgres_and_redis():
    assert set(SERVICES) <= set(compose()["services"])


def test_compose_file_follows_the_compose_spec_without_a_version_key():
    assert "version" not in compose()


def test_every_service_has_a_health_check():
    missing = [
        name
        for name, svc in compose()["services"].items()
        if not (svc.get("healthcheck") or {}).get("test")
        or (svc.get("healthcheck") or {}).get("disable")
        or svc["healthcheck"]["test"] in (["NONE"], "NONE")
    ]
    assert missing == []


def test_every_service_restarts_after_a_crash_or_reboot():
    policies = {name: svc.get("restart") for name, svc in compose()["services"].items()}
    assert all(policy in {"always", "unless-stopped"} for policy in policies.values()), policies


def test_postgres_and_redis_keep_their_data_on_declared_named_volumes():
    declared = set(compose().get("volumes") or {})
    postgres = named_volume_targets(service("postgres"))
    redis = named_volume_targets(service("redis"))
    assert postgres.get("/var/lib/postgresql/data") in declared
    assert redis.get("/data") in declared


def test_every_named_volume_a_service_mounts_is_declared():
    declared = set(compose().get("volumes") or {})
    used = {
        volume
        for svc in compose()["services"].values()
        for volume in named_volume_targets(svc).values()
    }
    assert used <= declared, used - declared


def test_redis_appends_every_write_to_disk():
    command = service("redis")["command"]
    argv = shlex.split(command) if isinstance(command, str) else command
    assert option_value(argv, "--appendonly") == "yes"


def test_postgres_is_version_15_and_checked_with_pg_isready():
    assert service("postgres")["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(service("postgres")["healthcheck"]["test"])


def test_redis_is_version_7_and_checked_with_redis_cli_ping():
    assert service("redis")["image"].startswith("redis:7")
    test = service("redis")["healthcheck"]["test"]
    assert "redis-cli" in test
    assert "ping" in test


@pytest.mark.parametrize("name", APP_SERVICES)
@pytest.mark.parametrize("dependency", BACKING_SERVICES)
def test_app_services_start_only_once_postgres_and_redis_are_healthy(name, dependency):
    depends_on = service(name).get("depends_on") or {}
    assert isinstance(depends_on, dict), "use the long form so a condition can be given"
    assert depends_on.get(dependency, {}).get("condition") == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_read_dot_env_and_use_the_compose_postgres_and_redis(name, monkeypatch):
    svc = service(name)
    env_files = svc.get("env_file")
    env_files = [env_files] if isinstance(env_files, str | dict) else env_files or []
    paths = [entry["path"] if isinstance(entry, dict) else entry for entry in env_files]
    assert ".env" in paths

    env = environment(svc)
    assert env["DATABASE_URL"] == "postgres://casebook:casebook@postgres:5432/casebook"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # The project's own parsers accept both, and they point at the services defined here.
    monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
    monkeypatch.setenv("CELERY_BROKER_URL", env["CELERY_BROKER_URL"])
    database = config_env.database_config("DATABASE_URL", "unused.sqlite3")
    assert database["HOST"] in compose()["services"]
    assert database["NAME"] == "casebook"
    assert config_env.broker_url("CELERY_BROKER_URL") == "redis://redis:6379/0"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_refuse_to_start_without_a_secret_key_from_dot_env(name):
    value = environment(service(name))["DJANGO_SECRET_KEY"]
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", value), value


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_default_to_production_settings_over_plain_http(name, monkeypatch):
    env = environment(service(name))
    for variable in ("DJANGO_DEBUG", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES"):
        monkeypatch.setenv(variable, resolve_compose_value(env[variable]))
        assert config_env.env_bool(variable, True) is False, variable
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", resolve_compose_value(env["DJANGO_ALLOWED_HOSTS"]))
    assert "localhost" in config_env.env_list("DJANGO_ALLOWED_HOSTS", [])


def test_private_uploads_live_on_a_named_volume_where_settings_look_for_them():
    volumes = set()
    for name in ("web", "worker"):
        svc = service(name)
        storage = environment(svc)["CASEBOOK_PRIVATE_STORAGE"]
        assert storage in named_volume_targets(svc), name
        volumes.add(named_volume_targets(svc)[storage])
    assert len(volumes) == 1, "web and worker must share one uploads volume"


def test_beat_keeps_its_schedule_file_on_a_named_volume():
    command = service("beat")["command"]
    schedule = option_value(command, "-s", "--schedule")
    assert schedule, "beat needs -s <file> so the schedule survives a restart"
    assert str(Path(schedule).parent) in named_volume_targets(service("beat"))


def test_web_migrates_loads_the_f6_standard_then_serves_with_gunicorn():
    programs = [argv for name, argv in compose_commands() if name == "web"]
    steps = [" ".join(argv[:3]) for argv in programs]
    assert steps[:2] == ["python manage.py migrate", "python manage.py load_standard"]
    assert "--noinput" in programs[0]
    assert programs[1][3:] == ["portfolio/data/units/f6.yaml"]
    assert programs[2][0] == "gunicorn"
    assert option_value(programs[2], "--bind", "-b") == f"{ALL_INTERFACES}:8000"


def test_worker_and_beat_run_celery_for_the_config_app():
    worker = service("worker")["command"]
    beat = service("beat")["command"]
    assert worker[:4] == ["celery", "-A", "config", "worker"]
    assert beat[:4] == ["celery", "-A", "config", "beat"]


# --- Every command names something that exists -------------------------------------------


def test_every_gunicorn_command_names_an_existing_wsgi_application():
    commands = [argv for _, argv in compose_commands()] + dockerfile_commands()
    targets = {
        target for argv in commands if argv[0] == "gunicorn" for target in gunicorn_targets(argv)
    }
    assert targets, "no gunicorn command found"
    for target in targets:
        module_name, attribute = target.split(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute, None)), target


def test_every_celery_command_names_the_config_celery_app_and_a_real_subcommand():
    commands = [argv for _, argv in compose_commands() if argv[0] == "celery"]
    assert {celery_subcommand(argv) for argv in commands} >= {"worker", "beat", "inspect"}
    for argv in commands:
        for app_name in celery_app_names(argv):
            module = importlib.import_module(app_name)
            assert isinstance(getattr(module, "celery_app", None), Celery), app_name
            # The same lookup `celery -A <name>` does.
            assert find_app(app_name) is module.celery_app
        assert celery_subcommand(argv) in celery_cli.commands, argv


def test_every_compose_command_finds_a_management_command_list():
    assert manage_py_commands(), "no `python manage.py <command>` found in docker-compose.yml"


@pytest.mark.parametrize("command", manage_py_commands())
def test_every_manage_py_command_in_compose_exists(command):
    assert command in get_commands(), f"no management command {command!r}"


def test_files_compose_loads_at_start_up_are_in_the_repository_and_the_image():
    paths = [
        arg
        for _, argv in compose_commands()
        if argv[:2] == ["python", "manage.py"]
        for arg in argv[3:]
        if not arg.startswith("-") and "/" in arg
    ]
    assert paths
    for path in paths:
        assert (ROOT / path).is_file(), f"{path} is not in the repository"
        assert not dockerignore_excludes(path), f"{path} is left out by .dockerignore"


def test_health_checks_ask_the_healthz_view():
    assert resolve("/healthz").url_name == "healthz"
    web_check = " ".join(service("web")["healthcheck"]["test"])
    image_check = dockerfile_args("HEALTHCHECK")
    assert HEALTH_URL in web_check
    assert len(image_check) == 1
    assert HEALTH_URL in image_check[0]
    for check in (web_check, image_check[0]):
        assert "urllib" in check
        assert "curl" not in check
        assert "wget" not in check


def test_worker_health_check_pings_this_worker_by_node_name():
    test = service("worker")["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    argv = split_shell(test[1])[0]
    assert argv[:5] == ["celery", "-A", "config", "inspect", "ping"]
    # $$ in the compose file reaches the shell as $, so it expands the container's hostname.
    assert option_value(argv, "-d", "--destination") == "celery@$$HOSTNAME"


def test_beat_health_check_looks_at_its_schedule_file_and_the_broker():
    check = " ".join(service("beat")["healthcheck"]["test"])
    schedule = option_value(service("beat")["command"], "-s", "--schedule")
    assert schedule in check
    assert "CELERY_BROKER_URL" in check


# --- Dockerfile --------------------------------------------------------------------------


def test_dockerfile_builds_on_python_3_11_slim():
    bases = dockerfile_args("FROM")
    assert bases
    assert bases[-1].split()[0].startswith("python:3.11-slim")


def test_dockerfile_default_command_serves_the_wsgi_application_on_port_8000():
    cmd = dockerfile_cmd()
    assert cmd[0] == "gunicorn"
    assert gunicorn_targets(cmd) == ["config.wsgi:application"]
    assert option_value(cmd, "--bind", "-b") == f"{ALL_INTERFACES}:8000"
    assert any(
        arg.split("/")[0] == "8000" for args in dockerfile_args("EXPOSE") for arg in args.split()
    )
    worker_count = option_value(cmd, "--workers", "-w")
    env = " ".join(dockerfile_args("ENV"))
    assert worker_count or re.search(r"\bWEB_CONCURRENCY=\d+", env), "set a worker count"


def test_dockerfile_runs_the_app_as_a_non_root_user():
    order = [instruction for instruction, _ in dockerfile()]
    users = dockerfile_args("USER")
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert max(i for i, k in enumerate(order) if k == "USER") < order.index("CMD")


def test_dockerfile_installs_the_locked_requirements_without_a_pip_cache():
    pip_runs = [args for args in dockerfile_args("RUN") if "pip install" in args]
    assert pip_runs
    assert any("-r requirements/base.txt" in run for run in pip_runs)
    assert all("--no-cache-dir" in run for run in pip_runs)
    assert (ROOT / "requirements" / "base.txt").is_file()
    assert not dockerignore_excludes("requirements/base.txt")


def test_dockerfile_installs_weasyprint_libraries_without_extras_and_drops_apt_lists():
    apt_runs = [args for args in dockerfile_args("RUN") if "apt-get install" in args]
    assert len(apt_runs) == 1
    run = apt_runs[0]
    assert "--no-install-recommends" in run
    assert "rm -rf /var/lib/apt/lists" in run
    packages = set(run.split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libffi8"} <= packages
    assert any(package.startswith("fonts-") for package in packages)


def test_dockerfile_collects_static_files_with_a_build_only_secret_key():
    runs = [args for args in dockerfile_args("RUN") if "collectstatic" in args]
    assert len(runs) == 1
    assert re.search(r"DJANGO_SECRET_KEY=\S+\s+python manage\.py collectstatic --noinput", runs[0])
    # Not an ENV or ARG: the throwaway key must not reach the running container.
    assert not any("DJANGO_SECRET_KEY" in args for args in dockerfile_args("ENV"))
    assert not any("DJANGO_SECRET_KEY" in args for args in dockerfile_args("ARG"))


def test_build_context_leaves_out_secrets_and_local_state():
    for path in (".env", ".venv/bin/python", ".git/HEAD", "db.sqlite3", "var/private/x.pdf"):
        assert dockerignore_excludes(path), path
    for path in ("manage.py", "config/wsgi.py", "config/settings.py"):
        assert not dockerignore_excludes(path), path


# --- .env.example ------------------------------------------------------------------------


def test_source_scan_finds_the_variables_settings_read():
    # Guards the scan below: if it found nothing, the next test would pass vacuously.
    assert {"env_bool", "env_int", "env_list", "database_config", "broker_url"} <= env_helpers()
    settings_vars = variables_read(ROOT / "config" / "settings.py", env_helpers())
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"} <= (
        settings_vars
    )
    assert len(settings_vars) >= 15


def test_env_example_lists_every_variable_the_code_reads():
    missing = sorted(code_variables() - set(env_example_entries()))
    assert missing == []


def test_env_example_lists_every_variable_docker_compose_reads():
    missing = sorted(compose_variables() - set(env_example_entries()))
    assert missing == []


def test_env_example_lists_the_demo_switch_the_make_run_port_and_the_ci_flag():
    assert {"CASEBOOK_DEMO", "PORT", "CI"} <= set(env_example_entries())


def test_env_example_lists_only_variables_something_reads():
    known = code_variables() | compose_variables() | VARIABLES_READ_ELSEWHERE
    assert sorted(set(env_example_entries()) - known) == []


def test_env_example_explains_each_variable_and_its_default_in_a_comment_above_it():
    lines = env_example_lines()
    unexplained = []
    for index, line in enumerate(lines):
        match = ASSIGNMENT.match(line.strip())
        if not match:
            continue
        above = lines[index - 1].strip() if index else ""
        if not above.startswith("#") or ASSIGNMENT.match(above) or "default" not in above.lower():
            unexplained.append(match.group(2))
    assert unexplained == []


def test_env_example_has_no_stray_lines_or_repeats():
    names = []
    for line in env_example_lines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = ASSIGNMENT.match(stripped)
        assert match, f"not NAME=value: {line!r}"
        names.append(match.group(2))
    commented = [m.group(2) for line in env_example_lines() if (m := ASSIGNMENT.match(line))]
    assert len(commented) == len(set(commented)), "a variable is listed twice"


def test_env_example_holds_no_real_secret_key_and_says_to_change_it():
    entries = env_example_entries()
    active, value = entries["DJANGO_SECRET_KEY"]
    assert active, "DJANGO_SECRET_KEY should be a line to fill in, not commented out"
    assert value.strip() == "" or "change-me" in value.lower()
    assert "change-me" in ENV_EXAMPLE.read_text().lower()
    assert "dev-only-insecure-secret-key-casebook" not in ENV_EXAMPLE.read_text()


def test_env_example_holds_no_passwords_or_secrets():
    for name, (_, value) in env_example_entries().items():
        if any(word in name for word in ("SECRET", "PASSWORD", "TOKEN")):
            placeholder = value.strip() == "" or "change-me" in value.lower()
            assert placeholder, name
        # A long run of random-looking characters is a pasted key, not an example.
        assert not re.search(r"[A-Za-z0-9_\-+/=]{40,}", value), name
