# Supercheck Performance: `just --list` is the menu. Settings: see .env.example (read from the environment).

set dotenv-load := false
set shell := ["bash", "-euo", "pipefail", "-c"]

venv := ".venv"
python := venv / "bin/python"

# Show this menu
default:
    @just --list --unsorted

# Create .venv, install the project when pyproject.toml changed, build web/ if present
install:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -x "{{ python }}" ]; then
        echo "install: creating {{ venv }}"
        python3 -m venv "{{ venv }}"
    fi
    stamp="{{ venv }}/.installed-$("{{ python }}" -c 'import hashlib, pathlib; print(hashlib.sha256(pathlib.Path("pyproject.toml").read_bytes()).hexdigest()[:16])')"
    if [ ! -f "$stamp" ]; then
        echo "install: pip install -e '.[dev]' (pyproject.toml changed)"
        "{{ python }}" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
        rm -f "{{ venv }}"/.installed-*
        touch "$stamp"
    fi
    # The SPA hook: nothing to do until web/package.json exists.
    if [ -f web/package.json ]; then
        lock=web/package-lock.json; [ -f "$lock" ] || lock=web/package.json
        web_stamp="web/node_modules/.installed-$(sha256sum "$lock" | cut -c1-16)"
        if [ ! -f "$web_stamp" ]; then
            echo "install: npm packages for web/"
            if [ -f web/package-lock.json ]; then npm --prefix web ci --no-audit --no-fund; else npm --prefix web install --no-audit --no-fund; fi
            rm -f web/node_modules/.installed-*
            touch "$web_stamp"
        fi
        if [ ! -f web/dist/index.html ] || [ -n "$(find web -path web/node_modules -prune -o -path web/dist -prune -o -type f -newer web/dist/index.html -print -quit)" ]; then
            echo "install: building web/dist"
            npm --prefix web run build
        fi
    fi

# Run the whole stack: PostgreSQL, NATS, migrations, backend, a runner (Ctrl-C stops)
up: install
    {{ python }} -m ops.up

# Start a runner against the NATS of a running `just up` (same SUPERCHECK_DATA_DIR)
runner *args: install
    {{ python }} -m ops.runner {{ args }}

# What CI runs: lint, format check, mypy, pytest (args go to pytest), web tests
test *args: install
    {{ venv }}/bin/ruff check .
    {{ venv }}/bin/ruff format --check .
    {{ venv }}/bin/mypy
    {{ venv }}/bin/pytest {{ args }}
    if [ -f web/package.json ]; then npm --prefix web test; fi
    if [ -f web/package.json ]; then npm --prefix web run test:browser; fi

# Lint and check formatting, changing nothing
lint: install
    {{ venv }}/bin/ruff check .
    {{ venv }}/bin/ruff format --check .

# Format the code and apply ruff's safe fixes
fmt: install
    {{ venv }}/bin/ruff format .
    {{ venv }}/bin/ruff check --fix .

# Type-check backend/, runner/ and schema/ (mypy strict)
typecheck: install
    {{ venv }}/bin/mypy

# Apply migrations to SUPERCHECK_DATABASE_URL, else to the data directory's database
migrate: install
    {{ python }} -m ops.migrate

# Run the performance benchmarks (none yet)
bench: install
    #!/usr/bin/env bash
    set -euo pipefail
    if [ -f ops/bench.py ]; then exec "{{ python }}" -m ops.bench; fi
    if [ -d benchmarks ]; then exec "{{ venv }}/bin/pytest" benchmarks; fi
    echo "bench: no benchmarks exist yet (add ops/bench.py or benchmarks/)"

# Delete the data directory (database, NATS store, key): `just clean-data --yes`
clean-data *confirm:
    @"$([ -x {{ python }} ] && echo {{ python }} || echo python3)" -m ops.clean_data {{ confirm }}
