"""k6 scripts the API tests send (they are validated, never run against anything here)."""

VALID_K6 = """import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: 1,
  duration: '1s',
  thresholds: { http_req_failed: ['rate<0.1'] },
};

export default function () {
  const res = http.get('http://127.0.0.1:9/placeholder');
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(1);
}
"""

NO_OPTIONS_K6 = """import http from 'k6/http';

export default function () {
  http.get('http://127.0.0.1:9/placeholder');
}
"""

SYNTAX_ERROR_K6 = """import http from 'k6/http';

export default function () {
  http.get('http://127.0.0.1:9/placeholder';
}
"""
