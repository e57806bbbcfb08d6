/**
 * Starting points for performance tests: the seed's template and the common load shapes.
 * Every script targets a placeholder URL the user replaces (an `.example.com` host never resolves,
 * so running a template unchanged sends load nowhere).
 */

export const PLACEHOLDER_URL = "https://your-service.example.com/";

export interface K6Template {
  id: string;
  name: string;
  description: string;
  script: string;
}

function script(header: string, options: string, body = defaultBody): string {
  return `import http from 'k6/http';
import { check, sleep } from 'k6';

// ${header}
// Replace TARGET_URL with the service you want to test.
const TARGET_URL = '${PLACEHOLDER_URL}';

export const options = ${options};

export default function () {
${body}
}
`;
}

const defaultBody = `  const response = http.get(TARGET_URL);

  // Validation checks
  check(response, {
    'status is 200': (r) => r.status === 200,
    'response time < 500ms': (r) => r.timings.duration < 500,
  });

  sleep(1);`;

export const TEMPLATES: readonly K6Template[] = [
  {
    id: "default",
    name: "Basic",
    description: "10 virtual users for 30 seconds with thresholds on latency and errors.",
    script: script(
      "Test configuration - all settings live in the script.",
      `{
  vus: 10, // 10 virtual users
  duration: '30s', // run for 30 seconds

  // Pass/fail criteria
  thresholds: {
    http_req_duration: ['p(95)<500'], // 95% of requests under 500 ms
    http_req_failed: ['rate<0.1'], // error rate under 10%
  },
}`,
    ),
  },
  {
    id: "smoke",
    name: "Smoke",
    description: "One user for a short while: does the script work and does the service answer?",
    script: script(
      "Smoke test: minimal load to verify the script and the service before anything bigger.",
      `{
  vus: 1,
  duration: '30s',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<1000'],
  },
}`,
    ),
  },
  {
    id: "load",
    name: "Load",
    description: "Ramping stages: up to typical traffic, hold it, ramp down.",
    script: script(
      "Load test: the traffic you expect on a normal day, reached gradually.",
      `{
  stages: [
    { duration: '1m', target: 20 }, // ramp up to 20 users
    { duration: '3m', target: 20 }, // stay there
    { duration: '1m', target: 0 }, // ramp down
  ],
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<1000'],
    http_req_failed: ['rate<0.01'],
  },
}`,
    ),
  },
  {
    id: "stress",
    name: "Stress",
    description: "Step beyond normal traffic to see how the service degrades.",
    script: script(
      "Stress test: above-normal load in steps, to find how the service behaves under pressure.",
      `{
  stages: [
    { duration: '1m', target: 50 },
    { duration: '2m', target: 50 },
    { duration: '1m', target: 100 },
    { duration: '2m', target: 100 },
    { duration: '1m', target: 0 },
  ],
  thresholds: {
    http_req_duration: ['p(95)<1500'],
    http_req_failed: ['rate<0.05'],
  },
}`,
    ),
  },
  {
    id: "spike",
    name: "Spike",
    description: "A sudden burst of users, then back to nothing.",
    script: script(
      "Spike test: a sudden surge of traffic, as after an announcement.",
      `{
  stages: [
    { duration: '10s', target: 200 }, // surge
    { duration: '1m', target: 200 },
    { duration: '10s', target: 0 }, // drop
  ],
  thresholds: {
    http_req_failed: ['rate<0.1'],
  },
}`,
    ),
  },
  {
    id: "soak",
    name: "Soak",
    description: "Moderate load for a long time to reveal leaks and slow degradation.",
    script: script(
      "Soak test: steady, moderate load over hours (memory leaks, connection exhaustion).",
      `{
  stages: [
    { duration: '5m', target: 30 },
    { duration: '2h', target: 30 },
    { duration: '5m', target: 0 },
  ],
  thresholds: {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
  },
}`,
    ),
  },
  {
    id: "breakpoint",
    name: "Breakpoint",
    description: "Raise the request rate until a threshold fails, then stop.",
    script: script(
      "Breakpoint test: increase the arrival rate until the service breaks; abort on the first failed threshold.",
      `{
  scenarios: {
    breakpoint: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: 500,
      stages: [{ duration: '10m', target: 1000 }],
    },
  },
  thresholds: {
    http_req_failed: [{ threshold: 'rate<0.05', abortOnFail: true }],
    http_req_duration: [{ threshold: 'p(95)<2000', abortOnFail: true }],
  },
}`,
      `  const response = http.get(TARGET_URL);
  check(response, { 'status is 200': (r) => r.status === 200 });`,
    ),
  },
];

export const DEFAULT_TEMPLATE = TEMPLATES[0]!;

/** Starting scripts of the other test types (they are saved here; Playwright runs them elsewhere). */
export const OTHER_TYPE_TEMPLATES: Record<string, string> = {
  browser: `import { test, expect } from '@playwright/test';

test('home page has a title', async ({ page }) => {
  await page.goto('${PLACEHOLDER_URL}');
  await expect(page).toHaveTitle(/.+/);
});
`,
  api: `import { test, expect } from '@playwright/test';

test('health endpoint answers 200', async ({ request }) => {
  const response = await request.get('${PLACEHOLDER_URL}health');
  expect(response.status()).toBe(200);
});
`,
  database: `import { test, expect } from '@playwright/test';

test('database answers a query', async () => {
  // Connect with your database client and check a query result here.
  expect(1 + 1).toBe(2);
});
`,
  custom: `import { test, expect } from '@playwright/test';

test('custom check', async () => {
  expect(true).toBe(true);
});
`,
};
