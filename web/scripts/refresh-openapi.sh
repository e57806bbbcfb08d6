#!/usr/bin/env bash
# Writes the backend's current OpenAPI document to web/openapi.json (run `npm run gen:api` after it).
# Needs the project's .venv (`just install`); no server is started: the app object builds the document.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
.venv/bin/python - <<'PY' > web/openapi.json.tmp
import json
from backend.app import create_app
print(json.dumps(create_app().openapi_schema.to_schema(), indent=2, sort_keys=True))
PY
mv web/openapi.json.tmp web/openapi.json
echo "wrote web/openapi.json"
