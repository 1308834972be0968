// A real OpenID Connect provider for the tests: the certified `oidc-provider` package with a few synthetic
// people, a login page of its own (so that a test chooses what `amr` a sign-in carries) and test-only
// controls under /test/ to remove a person or skew the provider's clock.
//
//   node tests/oidc/provider.mjs PORT REDIRECT_URI [REDIRECT_URI...]
//
// Prints "ready <issuer>" on stdout once it listens on 127.0.0.1:PORT.
import http from 'node:http';
import Provider from 'oidc-provider';

const [port, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

// Synthetic staff. `amr` is what the provider reports of how they signed in.
const initialPeople = () => new Map(Object.entries({
  'ada.test': { password: 'correct horse', email: 'ada.test@council.example', name: 'Ada Test', roles: ['Safehub.Screener'], amr: ['pwd', 'mfa'] },
  'ben.test': { password: 'correct horse', email: 'ben.test@council.example', name: 'Ben Test', roles: ['Safehub.Worker'], amr: ['pwd'] },
  'cal.test': { password: 'correct horse', email: 'cal.test@council.example', name: 'Cal Test', roles: ['Safehub.Manager'], amr: ['pwd', 'mfa'] },
}));
let people = initialPeople();

// Test controls: seconds added to the provider's clock (tokens issued "in the past").
let clockOffset = 0;
const realNow = Date.now;
Date.now = () => realNow() + clockOffset * 1000;

const client = (id) => ({
  client_id: id,
  client_secret: `${id}-test-secret`,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('safehub'), client('other-app')],
  pkce: { required: () => true },
  conformIdTokenClaims: false, // like Entra ID: the ID token carries email, name and roles
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: {
    openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name', 'roles'], acr: null, amr: null, auth_time: null,
  },
  acrValues: ['urn:test:mfa'],
  features: { devInteractions: { enabled: false } },
  issueRefreshToken: async (ctx, theClient) => theClient.grantTypeAllowed('refresh_token'),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['safehub-test-provider-cookie-key'] },
  async findAccount(ctx, sub) {
    const person = people.get(sub);
    if (!person) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: person.email, email_verified: true, name: person.name, roles: person.roles };
      },
    };
  },
});

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
  });
}

function send(res, status, text, type = 'text/html') {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

function loginPage(uid, error = '') {
  return `<!doctype html><html lang="en"><head><title>Test provider sign in</title></head><body>
<h1>Test provider sign in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="username">Username</label><input id="username" name="username">
<label for="password">Password</label><input id="password" name="password" type="password">
<button>Sign in</button></form></body></html>`;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') return send(res, 200, loginPage(uid));
  if (action !== 'login') return send(res, 404, 'no such step');
  const form = new URLSearchParams(await readBody(req));
  const person = people.get(form.get('username'));
  if (!person || person.password !== form.get('password')) {
    return send(res, 200, loginPage(uid, 'Wrong username or password'));
  }
  const accountId = form.get('username');
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const login = { accountId, amr: person.amr, ...(person.acr ? { acr: person.acr } : {}) };
  return provider.interactionFinished(req, res, { login, consent: { grantId } }, { mergeWithLastSubmission: false });
}

async function testControl(req, res, parts) {
  const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
  const [what, name, change] = parts;
  if (what === 'reset') {
    people = initialPeople();
    clockOffset = 0;
  } else if (what === 'clock') {
    clockOffset = Number(body.offset || 0);
  } else if (what === 'people' && change === 'remove') {
    people.delete(name);
  } else if (what === 'people' && change === 'amr' && people.has(name)) {
    people.get(name).amr = body.amr;
    if ('acr' in body) people.get(name).acr = body.acr;
  } else {
    return send(res, 404, 'no such control', 'text/plain');
  }
  return send(res, 200, '{"ok":true}', 'application/json');
}

const handleProvider = provider.callback();
const server = http.createServer(async (req, res) => {
  const parts = new URL(req.url, issuer).pathname.split('/').filter(Boolean);
  try {
    if (parts[0] === 'interaction') return await interaction(req, res, parts[1], parts[2]);
    if (parts[0] === 'test') return await testControl(req, res, parts.slice(1));
    return handleProvider(req, res);
  } catch (error) {
    return send(res, 500, String(error), 'text/plain');
  }
});
server.listen(Number(port), '127.0.0.1', () => { process.stdout.write(`ready ${issuer}\n`); });
