// nginx configurations for bench/run.mjs: the upstream (plain HTTP, answers `ok`), and one nginx
// holding the two TLS servers measured on the proxy core: `nginx` (the reference proxy, doing
// certgate's job including its access log) and `nginx-answer` (mTLS answering by itself).

/**
 * certgate's access line (src/pipeline/access-log.ts) in nginx variables, so that both proxies
 * format and write the same line per request (about 380 bytes each). Differences: the duration is in
 * seconds ($request_time has millisecond resolution and no milliseconds variant), the upstream status
 * is a string (it lists every tried upstream), the thumbprint is nginx's SHA-1 hex instead of
 * certgate's x5t#S256.
 */
const ACCESS_LOG_FORMAT = [
  '{"level":30',
  '"time":"$time_iso8601"',
  '"pid":$pid',
  '"generation":1',
  '"event":"access"',
  '"requestId":"$request_id"',
  '"listener":"bench"',
  '"method":"$request_method"',
  '"url":"$request_uri"',
  '"route":"all"',
  '"status":$status',
  '"upstreamStatus":"$upstream_status"',
  '"durationS":$request_time',
  '"remote":"$remote_addr"',
  '"verify":"$ssl_client_verify"',
  '"subject":"$ssl_client_s_dn"',
  '"thumbprint":"$ssl_client_fingerprint"}',
].join(',');

/** kind: 'upstream' | 'proxy'; dirs: { tmp, pki }; port: { upstream, nginx, nginxAnswer }. */
export function nginxConf(kind, { tmp, pki, port }) {
  const common = `worker_processes 1;
daemon off;
master_process on;
pid ${tmp}/nginx-${kind}.pid;
error_log ${tmp}/nginx-${kind}-error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; multi_accept on; }
`;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${tmp}/nginx-${kind}-${t};`).join('\n');
  if (kind === 'upstream') {
    return `${common}http {
  access_log off;
${temp}
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${port.upstream} reuseport backlog=4096;
    default_type text/plain;
    location / { return 200 "ok\\n"; }
  }
}
`;
  }
  const tls = `    ssl_certificate ${pki}/server.pem;
    ssl_certificate_key ${pki}/server-key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_verify_client on;
    ssl_client_certificate ${pki}/ca.pem;
    ssl_verify_depth 2;`;
  return `${common}http {
  access_log off;
${temp}
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  log_format certgate escape=json '${ACCESS_LOG_FORMAT}';
  upstream backend {
    server 127.0.0.1:${port.upstream};
    keepalive 64;
    keepalive_requests 100000000;
  }
  # the proxy under test: same job as certgate, its access line included (buffered, as nginx is deployed)
  server {
    listen 127.0.0.1:${port.nginx} ssl backlog=4096;
${tls}
    access_log ${tmp}/nginx-access.log certgate buffer=64k flush=1s;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
    }
  }
  # nginx terminating mTLS and answering by itself, no access log: the TLS ceiling, counterpart of node-tls-answer
  server {
    listen 127.0.0.1:${port.nginxAnswer} ssl backlog=4096;
${tls}
    default_type text/plain;
    location / { return 200 "ok\\n"; }
  }
}
`;
}
