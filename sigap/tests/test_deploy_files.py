"""The deployment guide's example files (docs/deploy/) are checked here, so they cannot drift from the code.

The systemd units must parse and start commands that exist, the env example may only name
variables Sigap reads (and must load into working production settings), and nginx, gunicorn and
the env example must agree on the port, the static folder, the proxy headers and the timeouts.
"""

import ast
import configparser
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
UNITS = ["sigap-web.service", "sigap-worker@.service", "sigap-backup.service", "sigap-backup.timer"]
VENV = "/opt/sigap/.venv/bin/"
SECRETS_DIR = "/etc/sigap/"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";"))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def env_example(*, commented: bool = False) -> dict[str, str]:
    """The example's assignments; with `commented`, also the ones shown commented out."""
    pattern = r"^#\s*(SIGAP_[A-Z0-9_]+)=(.*)$" if commented else r"^(SIGAP_[A-Z0-9_]+)=(.*)$"
    found = {}
    for line in (DEPLOY / "sigap.env.example").read_text().splitlines():
        if match := re.match(pattern, line.strip()):
            found[match[1]] = match[2]
    return found


def variables_read(path: Path) -> tuple[set[str], set[str]]:
    """(every SIGAP_* environment variable the module reads, those read as secrets with a _FILE twin)."""
    names, secrets = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            value = node.args[0].value
            if called in ("getenv", "get", "envbool", "envint", "envsecret", "setdefault") and str(value).startswith("SIGAP_"):
                names.add(value)
                if called == "envsecret":
                    secrets.add(value)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if str(node.slice.value).startswith("SIGAP_") and "environ" in ast.unparse(node.value):
                names.add(node.slice.value)
    return names, secrets


def sigap_variables() -> set[str]:
    """What settings.py, the gunicorn config and `sigap serve` read, with the _FILE form of each secret."""
    names, secrets = set(), set()
    for path in (ROOT / "sigap/settings.py", ROOT / "sigap/gunicorn_conf.py", ROOT / "sigap/ops/management/commands/serve.py"):
        read, secret = variables_read(path)
        names |= read
        secrets |= secret
    return names | {f"{s}_FILE" for s in secrets}


def clean_environment() -> dict[str, str]:
    """What a service starts with: no SIGAP_* of this shell, no test-only switches of the test run."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}


def nginx() -> str:
    return (DEPLOY / "nginx-sigap.conf").read_text()


def nginx_blocks(text: str, header: str) -> list[str]:
    """The bodies of the blocks opening with `header` (e.g. "location / {"), braces balanced."""
    bodies = []
    for match in re.finditer(re.escape(header), text):
        depth, i = 0, text.index("{\n", match.start())  # not a regex's {12}
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                bodies.append(text[i + 1 : j])
                break
    assert bodies, f"no block {header!r}"
    return bodies


def gunicorn_defaults(monkeypatch):
    for name in ("SIGAP_BIND", "SIGAP_WEB_WORKERS", "SIGAP_WEB_TIMEOUT", "SIGAP_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    return importlib.reload(importlib.import_module("sigap.gunicorn_conf"))


# systemd ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNITS)
def test_each_systemd_unit_parses_and_has_what_systemd_needs(name):
    parsed = unit(name)
    assert parsed.get("Unit", "Description")
    kind = name.rsplit(".", 1)[1]
    if kind == "timer":
        assert parsed.get("Timer", "OnCalendar") and parsed.get("Install", "WantedBy") == "timers.target"
        return
    service = parsed["Service"]
    assert (service["User"], service["Group"]) == ("sigap", "sigap")
    assert service["EnvironmentFile"] == "/etc/sigap/sigap.env"
    assert service["ExecStart"].startswith(VENV)
    assert service.get("NoNewPrivileges") == "yes" and service.get("ProtectSystem") == "strict"


def test_the_web_and_worker_units_keep_their_state_where_the_env_example_says():
    var_dir = env_example()["SIGAP_VAR_DIR"]
    for name in ("sigap-web.service", "sigap-worker@.service"):
        service = unit(name)["Service"]
        assert f"/var/lib/{service['StateDirectory']}" == var_dir == service["WorkingDirectory"]
        assert service["Restart"] in ("always", "on-failure")
        assert unit(name).get("Install", "WantedBy") == "multi-user.target"
    assert env_example()["SIGAP_MEDIA_ROOT"].startswith(var_dir + "/")
    assert env_example()["SIGAP_STATIC_ROOT"].startswith(var_dir + "/")


def test_the_units_start_commands_that_exist_in_this_sigap():
    commands = get_commands()
    venv_bin = Path(sys.executable).parent
    started = []
    for name in UNITS[:3]:
        service = unit(name)["Service"]
        for key in ("ExecStartPre", "ExecStart"):
            if key in service:
                started.append(shlex.split(service[key]))
    assert started, "no ExecStart found"
    for argv in started:
        program = argv[0].removeprefix(VENV)
        assert (venv_bin / program).exists(), f"{argv[0]}: no {program} in the virtualenv"
        if program == "sigap":
            assert argv[1] in commands, f"`sigap {argv[1]}` is not a command"
    web = shlex.split(unit("sigap-web.service")["Service"]["ExecStart"])
    assert web[0] == VENV + "gunicorn"
    config = web[web.index("-c") + 1]
    assert config.startswith("python:") and importlib.util.find_spec(config.removeprefix("python:"))
    module, _, attribute = web[-1].partition(":")
    assert module == "sigap.wsgi" and attribute == "application" and importlib.util.find_spec(module)
    assert shlex.split(unit("sigap-worker@.service")["Service"]["ExecStart"]) == [VENV + "sigap", "worker"]
    pre = shlex.split(unit("sigap-web.service")["Service"]["ExecStartPre"])
    assert pre[1:3] == ["collectstatic", "--no-input"]
    assert unit("sigap-backup.timer").get("Unit", "Description") and (DEPLOY / "sigap-backup.service").exists()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    # The units name /opt/sigap; verify copies that point at this checkout, which has those commands.
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/opt/sigap/.venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(tmp_path / n) for n in UNITS]],
        capture_output=True, text=True, timeout=120,
    )
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if "sigap" in line]
    assert done.returncode == 0 and not complaints, "\n".join(complaints) or done.stderr


# the env example ----------------------------------------------------------------------------


def test_the_env_example_names_only_variables_sigap_reads():
    known = sigap_variables()
    named = env_example() | env_example(commented=True)
    unknown = sorted(set(named) - known)
    assert not unknown, f"docs/deploy/sigap.env.example names variables nothing reads: {unknown}"
    assert "SIGAP_DATABASE_URL" in known and "SIGAP_SECRET_KEY_FILE" in known  # the parser itself works


def test_the_env_example_holds_no_secret_only_files_that_hold_them():
    active = env_example()
    _, secrets = variables_read(ROOT / "sigap/settings.py")
    assert not secrets & set(active), "a secret's value is in the env file; give its _FILE instead"
    for name, value in (active | env_example(commented=True)).items():
        if name.endswith("_FILE"):
            assert value.startswith(SECRETS_DIR), f"{name} should point into {SECRETS_DIR}"
    assert "SIGAP_DEBUG" not in active
    assert active["SIGAP_DATABASE_URL"].startswith("postgres://")


def test_the_env_example_loads_into_production_settings(tmp_path):
    env = clean_environment()
    for name, value in env_example().items():
        if name.endswith("_FILE"):  # the secret files, made up here
            secret = tmp_path / Path(value).name
            secret.write_text(f"{name.lower()}-{os.urandom(24).hex()}")
            value = str(secret)
        env[name] = value
    env |= {"DJANGO_SETTINGS_MODULE": "sigap.settings", "PYTHONPATH": str(ROOT)}
    code = (
        "import json; from django.conf import settings as s; db = s.DATABASES['default']; "
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'static': str(s.STATIC_ROOT), "
        "'engine': db['ENGINE'], 'host': db['HOST'], 'name': db['NAME'], 'key': len(s.SECRET_KEY), "
        "'proxy': s.SIGAP_PROXY_COUNT, 'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'ssl_header': list(getattr(s, 'SECURE_PROXY_SSL_HEADER', None) or [])}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False and loaded["key"] > 50
    assert loaded["engine"] == "django.db.backends.postgresql" and (loaded["host"], loaded["name"]) == ("/run/postgresql", "sigap")
    assert loaded["hosts"] == ["sigap.surakarta.go.id"] and loaded["proxy"] == 1
    assert loaded["static"] == "/var/lib/sigap/static"
    # Production serves hashed, compressed static files (far-future cache headers are safe on them).
    assert loaded["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # And Sigap's own deployment checks find nothing to complain about.
    done = subprocess.run(
        [sys.executable, "-m", "sigap", "check", "--deploy"], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr


# nginx, gunicorn and the env example agree --------------------------------------------------


def test_nginx_proxies_to_where_gunicorn_listens(monkeypatch):
    conf = gunicorn_defaults(monkeypatch)
    assert conf.bind == [env_example()["SIGAP_BIND"]] == ["127.0.0.1:8000"]
    (site,) = [b for b in nginx_blocks(nginx(), "location / {") if "proxy_pass" in b]
    assert f"proxy_pass http://{conf.bind[0]};" in nginx()
    assert "proxy_set_header Host $host;" in site
    # One proxy appends the client's address; it says whether the client used HTTPS.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert env_example()["SIGAP_PROXY_COUNT"] == "1"
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert env_example()["SIGAP_PROXY_SSL_HEADER"] == "X-Forwarded-Proto"
    assert "127.0.0.1" in conf.forwarded_allow_ips  # gunicorn believes nginx's X-Forwarded-Proto
    # nginx waits for an answer as long as gunicorn lets a request run.
    assert f"proxy_read_timeout {conf.timeout}s;" in site


def test_nginx_serves_the_collected_static_files_with_far_future_headers_on_hashed_names(settings):
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

    (static,) = nginx_blocks(nginx(), "location /static/ {")
    assert f"/{settings.STATIC_URL.strip('/')}/" == "/static/"
    root = re.search(r"^\s*root (\S+);", static, re.M)[1]
    assert f"{root}/static" == env_example()["SIGAP_STATIC_ROOT"]
    assert "gzip_static on;" in static  # the .gz files CompressedManifestStaticFilesStorage writes
    hashed = re.search(r'location ~ "([^"]+)"', static)[1]
    storage = ManifestStaticFilesStorage(location="/nonexistent")
    digest = storage.file_hash("sigap/sigap.css", ContentFile(b"body { color: black }"))
    assert re.search(hashed, f"/static/sigap/sigap.{digest}.css")
    assert not re.search(hashed, "/static/sigap/sigap.css")
    (immutable,) = nginx_blocks(static, "location ~")
    assert "immutable" in immutable and "max-age=315360000" in immutable


def test_nginx_accepts_uploads_as_large_as_sigap_does(settings):
    size = re.search(r"client_max_body_size (\d+)m;", nginx())[1]
    assert int(size) * 1024 * 1024 >= settings.SIGAP_MAX_ATTACHMENT_BYTES
    names = re.findall(r"server_name (\S+);", nginx())
    assert set(names) == {env_example()["SIGAP_ALLOWED_HOSTS"]}
    assert env_example()["SIGAP_SITE_URL"] == f"https://{names[0]}"
    assert "/media" not in nginx()  # attachments only through Sigap, which checks who asks


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx (and openssl) not installed")
def test_nginx_t_accepts_the_site(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=sigap.test",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    site = re.sub(r"ssl_certificate (\S+);", f"ssl_certificate {tmp_path / 'cert.pem'};", nginx())
    site = re.sub(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {tmp_path / 'key.pem'};", site)
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\nhttp {{\n  access_log off; {temp}\n  include {tmp_path / 'site.conf'};\n}}\n"
    )
    done = subprocess.run(
        ["nginx", "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr


# the guide ----------------------------------------------------------------------------------


def test_the_guide_names_every_example_file_and_the_readme_links_the_guide():
    guide = (DEPLOY / "README.md").read_text()
    for path in DEPLOY.iterdir():
        if path.name != "README.md":
            assert path.name in guide, f"docs/deploy/README.md does not mention {path.name}"
    assert "sigap migrate" in guide and "sigap/gunicorn_conf.py" in guide
    assert "docs/deploy/README.md" in (ROOT / "README.md").read_text()


def test_make_serve_runs_sigap_serve_in_production_mode():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^serve:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "the Makefile has no serve target"
    assert "sigap serve" in recipe[1] and "SIGAP_DEBUG=1" not in recipe[1]
