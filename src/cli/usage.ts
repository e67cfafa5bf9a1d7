// Help texts, one per command.
export const HELP = {
  start: `Usage: certgate start [--config FILE]

Runs the gateway with FILE (default config/gateway.yaml): a supervisor that holds the listening
sockets and the admin listener, and \`workers\` worker processes that serve requests.
SIGHUP, POST /-/reload, 'certgate reload' or a change to a watched file reload the config without
dropping a request; SIGTERM/SIGINT drain and exit (a second signal exits at once).
Exit codes: 0 stopped cleanly, 1 config error, 2 runtime failure (e.g. port in use).
`,
  reload: `Usage: certgate reload (--config FILE | --pid PIDFILE|PID)

Asks the running gateway to reload its config (sends SIGHUP to the supervisor). The pid comes
from --pid (a pid file or a number) or from the \`pidFile\` key of FILE. The gateway validates the
new config first; an invalid one is logged with file:line and the running config keeps serving.
Exit codes: 0 signal sent, 1 no pid found or no such process.
`,
  check: `Usage: certgate check --config FILE

Validates FILE and every file it names (certificates, keys, CRLs). Prints every error with
file:line, the key and what was expected, and exits 1; exits 0 when the config is valid.
`,
  pki: `Usage: certgate pki [--out DIR] [--force]

Writes a development PKI to DIR (default certs/): ca.pem, ca-key.pem, server.pem, server-key.pem
(localhost, 127.0.0.1), client.pem, client-key.pem, an intermediate CA, a revoked client and
the CRLs, a self-signed client, the gateway's own upstream client certificate, and a
header-signing key. Never use it in production.
`,
  demo: `Usage: certgate demo [--dir DIR] [--host ADDR] [--port N] [--upstream-port N] [--admin-port N]

Writes the development PKI to DIR (default certs/) if absent, starts an echo upstream on
127.0.0.1:9080 and the gateway on https://localhost:8443 (admin on 127.0.0.1:9901) with
config/gateway.yaml, and prints curl commands to try: a good certificate (200; the gateway signs
the forwarded headers with ed25519 and the echo verifies them with certgate/verify), no
certificate (401) and a revoked one, listed in the dev PKI's CRL (401 CLIENT_CERT_REVOKED). --port, --upstream-port and --admin-port
move the gateway, the echo upstream and the admin listener (0 = any free port; the ports actually
bound are printed); --host sets the gateway's listen address (default 0.0.0.0).
Exit codes: 1 usage or config error, 2 a port is already in use.
`,
  keys: `Usage: certgate keys --config FILE

Prints the public keys that verify the gateway's RFC 9421 header signatures, as a JWKS
(the admin listener serves the same at /.well-known/certgate-keys). HMAC keys are never printed.
`,
} as const;

export function usage(): string {
  return `certgate: mutual-TLS gateway for OAuth (RFC 8705) and API backends

Usage: certgate <command> [options]

Commands:
  start   run the gateway (--config FILE)
  reload  reload a running gateway's config (--config FILE or --pid PIDFILE)
  check   validate a config file and every file it names (--config FILE)
  pki     write a development PKI (--out DIR)
  demo    dev PKI + echo upstream + gateway on https://localhost:8443 (what npm start runs)
  keys    print the header-signature verification keys as JWKS (--config FILE)

Run 'certgate <command> --help' for a command's options.
`;
}
