// A real OpenID Provider for the console's SSO tests: panva's oidc-provider (OpenID
// Certified) with one client and one user, its own login and consent pages, on 127.0.0.1.
// Started (and stopped) by tests/oidc/fixtures.py; every value comes from the environment.
import http from 'node:http';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const PORT = Number(required('OIDC_PORT'));
const ISSUER = `http://127.0.0.1:${PORT}`;
const CLIENT_ID = required('OIDC_CLIENT_ID');
const CLIENT_SECRET = required('OIDC_CLIENT_SECRET');
// The console's callback path; the host and port are the test server's, chosen at run time.
const CALLBACK_PATH = required('OIDC_CALLBACK_PATH');
const USER = {
  sub: 'idp-user-1',
  email: required('OIDC_USER_EMAIL'),
  password: required('OIDC_USER_PASSWORD'),
  given_name: 'Sam',
  family_name: 'Single',
};

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [`http://127.0.0.1${CALLBACK_PATH}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  async findAccount(ctx, sub) {
    if (sub !== USER.sub) return undefined;
    return {
      accountId: USER.sub,
      async claims() {
        return {
          sub: USER.sub,
          email: USER.email,
          email_verified: true,
          name: `${USER.given_name} ${USER.family_name}`,
          given_name: USER.given_name,
          family_name: USER.family_name,
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['console-tests-only-cookie-key'] },
  pkce: { required: () => true },
});

// Any loopback host and port (the live server's) or the Django test client's "testserver",
// but only the console's callback path.
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(uri) {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && url.pathname === CALLBACK_PATH
      && ['127.0.0.1', 'localhost', 'testserver'].includes(url.hostname);
  } catch {
    return false;
  }
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`);
}

function loginPage(res, uid, error = '') {
  page(res, error ? 401 : 200, 'Test identity provider: sign in', `
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>IdP email <input name="email" type="email" autocomplete="off"></label>
  <label>IdP password <input name="password" type="password"></label>
  <button type="submit">Continue to the console</button>
</form>`);
}

function consentPage(res, uid, clientId, scopes) {
  page(res, 200, 'Test identity provider: consent', `
<p>${escape(clientId)} asks for: ${escape(scopes)}</p>
<form method="post" action="/interaction/${escape(uid)}/confirm">
  <button type="submit">Allow</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res) {
  const [, , uid, action] = new URL(req.url, ISSUER).pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'Wrong interaction', '');
  const { prompt, params, session } = details;

  if (req.method === 'GET') {
    if (prompt.name === 'login') return loginPage(res, uid);
    return consentPage(res, uid, params.client_id, params.scope);
  }
  if (action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    if (form.get('email') !== USER.email || form.get('password') !== USER.password) {
      return loginPage(res, uid, 'Unknown email or wrong password.');
    }
    return provider.interactionFinished(req, res, { login: { accountId: USER.sub } }, {
      mergeWithLastSubmission: false,
    });
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, {
      mergeWithLastSubmission: true,
    });
  }
  return page(res, 400, 'Unexpected step', '');
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) page(res, 500, 'Interaction failed', `<pre>${escape(err.message)}</pre>`);
    });
    return;
  }
  callback(req, res);
});

server.listen(PORT, '127.0.0.1', () => console.log(`oidc-provider listening on ${ISSUER}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
