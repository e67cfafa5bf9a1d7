/*
 * mtls-load: a small, single-threaded HTTP/1.1 load generator that presents a
 * client certificate (mutual TLS). epoll + non-blocking OpenSSL.
 *
 *   mtls-load --url https://127.0.0.1:8443/path --cert c.pem --key k.pem \
 *             [--cacert ca.pem] [--conns 64] [--duration 10] [--warmup 1] \
 *             [--handshake] [--tls13|--tls12] [--header 'Name: value']
 *
 * Keep-alive mode (default): N connections, one request in flight on each
 * (no pipelining). Handshake mode (--handshake): every request opens a new
 * TCP connection, performs a FULL TLS handshake (no tickets, no session
 * cache, no session reuse), sends one request with "Connection: close",
 * reads the response and closes. Latency in handshake mode is
 * connect + handshake + request + response.
 *
 * http:// URLs are supported too (plain TCP), for measuring the upstream.
 *
 * Output (stdout, one line of JSON):
 *   {"mode":..,"rps":..,"p50_ms":..,"p99_ms":..,"requests":..,"errors":..,
 *    "non2xx":..,"duration_s":..,"conns":..}
 * Requests are counted only after --warmup seconds (default 1) and until
 * --duration seconds after the warm-up ended.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------- histogram: log-linear, 128 sub-buckets per power of two (<1% error) ---------- */
#define SUB_BITS 7
#define SUB_COUNT (1 << SUB_BITS)
#define HIST_SIZE (64 * SUB_COUNT)
static uint64_t hist[HIST_SIZE];
static uint64_t hist_total;

static int hist_index(uint64_t ns) {
  if (ns < SUB_COUNT) return (int)ns;
  int msb = 63 - __builtin_clzll(ns);   /* >= SUB_BITS */
  int shift = msb - SUB_BITS;
  int mant = (int)((ns >> shift) & (SUB_COUNT - 1));
  return (shift + 1) * SUB_COUNT + mant;
}
static uint64_t hist_value(int idx) { /* midpoint of bucket */
  if (idx < SUB_COUNT) return (uint64_t)idx;
  int shift = idx / SUB_COUNT - 1;
  uint64_t mant = (uint64_t)(idx % SUB_COUNT) | SUB_COUNT;
  uint64_t lo = mant << shift;
  return lo + ((1ULL << shift) >> 1);
}
static void hist_record(uint64_t ns) {
  hist[hist_index(ns)]++;
  hist_total++;
}
static double hist_pct(double p) {
  if (!hist_total) return 0;
  uint64_t want = (uint64_t)ceil(p / 100.0 * (double)hist_total);
  if (want < 1) want = 1;
  uint64_t acc = 0;
  for (int i = 0; i < HIST_SIZE; i++) {
    acc += hist[i];
    if (acc >= want) return (double)hist_value(i) / 1e6;
  }
  return 0;
}

/* ---------- options ---------- */
static const char *opt_url, *opt_cert, *opt_key, *opt_cacert;
/* --connect: the address to dial when the URL's host is only a name for SNI and Host (a virtual
   host that DNS does not know); --method/--body-file: a request with a body (POST benchmarks) */
static const char *opt_connect, *opt_method = "GET", *opt_body_file;
static int opt_conns = 64, opt_handshake = 0, opt_tlsver = 0, opt_verbose = 0;
static double opt_duration = 10, opt_warmup = 1;
static char extra_headers[4096];

static char host[300], port[16], path[2048];
static int use_tls;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static SSL_CTX *ctx;
static char request[16384];
static int request_len;

/* ---------- stats ---------- */
static uint64_t n_ok, n_err, n_non2xx, n_all;
static int measuring = 0;
static uint64_t t_measure_start, t_measure_end, t_end;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---------- connection ---------- */
enum st { ST_CONNECTING, ST_HANDSHAKE, ST_WRITING, ST_READ_HEAD, ST_READ_BODY, ST_DEAD };
enum body { B_NONE, B_LENGTH, B_CHUNKED, B_CLOSE };
enum ck { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF, CK_TRAILER, CK_TRAILER_LF };

#define HEAD_MAX 16384
struct conn {
  int fd;
  SSL *ssl;
  enum st st;
  size_t woff;
  uint64_t t_start;
  char head[HEAD_MAX];
  size_t head_len;
  int status;
  int server_close;
  enum body body;
  uint64_t remaining;     /* B_LENGTH bytes left, or chunk bytes left */
  enum ck ck;
  int trailer_line_len;
};
static struct conn *conns;
static int epfd;

static void die(const char *m) {
  fprintf(stderr, "mtls-load: %s\n", m);
  exit(2);
}
static void ssl_die(const char *m) {
  fprintf(stderr, "mtls-load: %s\n", m);
  ERR_print_errors_fp(stderr);
  exit(2);
}

static void conn_open(struct conn *c);

static void conn_close(struct conn *c) {
  if (c->ssl) {
    if (c->st != ST_DEAD && c->st >= ST_WRITING) SSL_shutdown(c->ssl); /* best-effort close_notify */
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  if (c->fd >= 0) {
    close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
  }
}

static void conn_fail(struct conn *c, const char *why) {
  if (measuring) n_err++;
  if (opt_verbose) {
    fprintf(stderr, "error: %s (state %d)\n", why, c->st);
    ERR_print_errors_fp(stderr);
  }
  ERR_clear_error();
  c->st = ST_DEAD;
  conn_close(c);
  if (now_ns() < t_end) conn_open(c);
}

static void conn_open(struct conn *c) {
  c->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->ssl = NULL;
  c->head_len = 0;
  c->woff = 0;
  c->t_start = now_ns();
  c->st = ST_CONNECTING;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  int r = connect(c->fd, (struct sockaddr *)&addr, addrlen);
  if (r < 0 && errno != EINPROGRESS) {
    conn_fail(c, "connect");
    return;
  }
}

/* returns >0 bytes, 0 would-block, -1 error/EOF */
static int io_read(struct conn *c, char *buf, int n) {
  if (c->ssl) {
    int r = SSL_read(c->ssl, buf, n);
    if (r > 0) return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    return -1;
  }
  ssize_t r = read(c->fd, buf, (size_t)n);
  if (r > 0) return (int)r;
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return -1;
}
static int io_write(struct conn *c, const char *buf, int n) {
  if (c->ssl) {
    int r = SSL_write(c->ssl, buf, n);
    if (r > 0) return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    return -1;
  }
  ssize_t r = write(c->fd, buf, (size_t)n);
  if (r > 0) return (int)r;
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return -1;
}

/* request finished; record and either send the next one or reconnect */
static void request_done(struct conn *c) {
  uint64_t t = now_ns();
  n_all++;
  if (measuring && t <= t_measure_end) {
    n_ok++;
    if (c->status < 200 || c->status > 299) n_non2xx++;
    hist_record(t - c->t_start);
  }
  if (opt_handshake || c->server_close) {
    conn_close(c);
    if (t < t_end) conn_open(c);
    return;
  }
  c->st = ST_WRITING;
  c->woff = 0;
  c->head_len = 0;
  c->t_start = t;
}

/* feeds body bytes; returns 1 when response complete, 0 if more needed, -1 on framing error */
static int body_feed(struct conn *c, const char *p, size_t n) {
  if (c->body == B_LENGTH) {
    if (n >= c->remaining) { c->remaining = 0; return 1; }
    c->remaining -= n;
    return 0;
  }
  if (c->body == B_CLOSE) return 0;
  /* chunked */
  size_t i = 0;
  while (i < n) {
    char ch = p[i];
    switch (c->ck) {
    case CK_SIZE:
      if (ch >= '0' && ch <= '9') c->remaining = c->remaining * 16 + (uint64_t)(ch - '0');
      else if (ch >= 'a' && ch <= 'f') c->remaining = c->remaining * 16 + (uint64_t)(ch - 'a' + 10);
      else if (ch >= 'A' && ch <= 'F') c->remaining = c->remaining * 16 + (uint64_t)(ch - 'A' + 10);
      else if (ch == ';' || ch == ' ' || ch == '\t') c->ck = CK_EXT;
      else if (ch == '\r') c->ck = CK_SIZE_LF;
      else if (ch == '\n') goto size_end;
      else return -1;
      i++;
      break;
    case CK_EXT:
      if (ch == '\r') c->ck = CK_SIZE_LF;
      else if (ch == '\n') goto size_end;
      i++;
      break;
    case CK_SIZE_LF:
      if (ch != '\n') return -1;
    size_end:
      i++;
      if (c->remaining == 0) { c->ck = CK_TRAILER; c->trailer_line_len = 0; }
      else c->ck = CK_DATA;
      break;
    case CK_DATA: {
      size_t take = n - i;
      if (take > c->remaining) take = (size_t)c->remaining;
      c->remaining -= take;
      i += take;
      if (c->remaining == 0) c->ck = CK_DATA_CR;
      break;
    }
    case CK_DATA_CR:
      if (ch == '\r') { c->ck = CK_DATA_LF; i++; break; }
      /* tolerate bare LF */
      __attribute__((fallthrough));
    case CK_DATA_LF:
      if (ch != '\n') return -1;
      i++;
      c->ck = CK_SIZE;
      c->remaining = 0;
      break;
    case CK_TRAILER:
      if (ch == '\r') { c->ck = CK_TRAILER_LF; i++; break; }
      if (ch == '\n') goto trailer_lf;
      c->trailer_line_len++;
      i++;
      break;
    case CK_TRAILER_LF:
      if (ch != '\n') return -1;
    trailer_lf:
      i++;
      if (c->trailer_line_len == 0) return 1;
      c->trailer_line_len = 0;
      c->ck = CK_TRAILER;
      break;
    }
  }
  return 0;
}

static int header_is(const char *line, size_t len, const char *name) {
  size_t nl = strlen(name);
  return len > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0;
}
static const char *header_val(const char *line, size_t len, size_t nl, size_t *vlen) {
  const char *v = line + nl + 1, *end = line + len;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
  *vlen = (size_t)(end - v);
  return v;
}

/* parse head[0..hlen) (ends with \r\n\r\n); returns 0 ok, -1 error */
static int parse_head(struct conn *c, size_t hlen) {
  const char *h = c->head;
  if (hlen < 12 || strncmp(h, "HTTP/1.", 7) != 0) return -1;
  c->status = atoi(h + 9);
  c->server_close = (h[7] == '0'); /* HTTP/1.0 defaults to close */
  c->body = B_CLOSE;
  int have_len = 0, chunked = 0;
  uint64_t clen = 0;
  const char *p = memchr(h, '\n', hlen);
  while (p && (size_t)(p - h) < hlen) {
    const char *line = p + 1;
    const char *nl = memchr(line, '\n', hlen - (size_t)(line - h));
    if (!nl) break;
    size_t len = (size_t)(nl - line);
    if (len && line[len - 1] == '\r') len--;
    if (len == 0) break;
    size_t vl;
    const char *v;
    if (header_is(line, len, "content-length")) {
      v = header_val(line, len, 14, &vl);
      clen = strtoull(v, NULL, 10);
      have_len = 1;
    } else if (header_is(line, len, "transfer-encoding")) {
      v = header_val(line, len, 17, &vl);
      if (vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0) chunked = 1;
    } else if (header_is(line, len, "connection")) {
      v = header_val(line, len, 10, &vl);
      if (vl >= 5 && strcasestr(v, "close")) c->server_close = 1;
      else if (vl >= 10 && strncasecmp(v, "keep-alive", 10) == 0) c->server_close = 0;
    }
    p = nl;
  }
  if (c->status == 204 || c->status == 304 || (c->status >= 100 && c->status < 200)) {
    c->body = B_NONE;
  } else if (chunked) {
    c->body = B_CHUNKED;
    c->ck = CK_SIZE;
    c->remaining = 0;
  } else if (have_len) {
    c->body = clen ? B_LENGTH : B_NONE;
    c->remaining = clen;
  } else {
    c->body = B_CLOSE;
    c->server_close = 1;
  }
  return 0;
}

static void drive(struct conn *c) {
  char buf[16384];
  for (;;) {
    switch (c->st) {
    case ST_CONNECTING: {
      int err = 0;
      socklen_t el = sizeof err;
      if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
        if (err == EINPROGRESS || err == EALREADY) return;
        conn_fail(c, "connect");
        return;
      }
      /* connected? a zero-length send check is not possible; rely on EPOLLOUT having fired */
      struct sockaddr_storage peer;
      socklen_t pl = sizeof peer;
      if (getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0) {
        if (errno == ENOTCONN) return; /* still connecting */
        conn_fail(c, "getpeername");
        return;
      }
      if (use_tls) {
        c->ssl = SSL_new(ctx);
        if (!c->ssl) ssl_die("SSL_new");
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_tlsext_host_name(c->ssl, host);
        SSL_set_connect_state(c->ssl);
        c->st = ST_HANDSHAKE;
      } else {
        c->st = ST_WRITING;
      }
      break;
    }
    case ST_HANDSHAKE: {
      int r = SSL_do_handshake(c->ssl);
      if (r == 1) {
        c->st = ST_WRITING;
        break;
      }
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
      conn_fail(c, "handshake");
      return;
    }
    case ST_WRITING: {
      int r = io_write(c, request + c->woff, request_len - (int)c->woff);
      if (r < 0) { conn_fail(c, "write"); return; }
      if (r == 0) return;
      c->woff += (size_t)r;
      if ((int)c->woff == request_len) {
        c->st = ST_READ_HEAD;
        c->head_len = 0;
      }
      break;
    }
    case ST_READ_HEAD: {
      int r = io_read(c, c->head + c->head_len, (int)(HEAD_MAX - c->head_len));
      if (r < 0) { conn_fail(c, "read (head)"); return; }
      if (r == 0) return;
      size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
      c->head_len += (size_t)r;
      char *end = memmem(c->head + from, c->head_len - from, "\r\n\r\n", 4);
      if (!end) {
        if (c->head_len == HEAD_MAX) { conn_fail(c, "response head too large"); return; }
        break;
      }
      size_t hlen = (size_t)(end - c->head) + 4;
      if (parse_head(c, hlen) < 0) { conn_fail(c, "bad response head"); return; }
      if (c->body == B_NONE) {
        request_done(c);
        if (c->fd < 0 || c->st == ST_CONNECTING) return;
        break;
      }
      c->st = ST_READ_BODY;
      size_t rest = c->head_len - hlen;
      if (rest) {
        int d = body_feed(c, c->head + hlen, rest);
        if (d < 0) { conn_fail(c, "bad chunked framing"); return; }
        if (d == 1) {
          request_done(c);
          if (c->fd < 0 || c->st == ST_CONNECTING) return;
        }
      }
      break;
    }
    case ST_READ_BODY: {
      int r = io_read(c, buf, sizeof buf);
      if (r < 0) {
        if (c->body == B_CLOSE) { request_done(c); return; }
        conn_fail(c, "read (body)");
        return;
      }
      if (r == 0) return;
      int d = body_feed(c, buf, (size_t)r);
      if (d < 0) { conn_fail(c, "bad chunked framing"); return; }
      if (d == 1) {
        request_done(c);
        if (c->fd < 0 || c->st == ST_CONNECTING) return;
      }
      break;
    }
    case ST_DEAD:
      return;
    }
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: mtls-load --url URL [--cert F --key F] [--cacert F] [--conns N] [--duration S]\n"
          "                 [--warmup S] [--handshake] [--tls12|--tls13] [--header 'N: v'] [-v]\n"
          "                 [--connect IP] [--method M] [--body-file F]\n");
  exit(1);
}

static void parse_url(const char *u) {
  const char *p;
  if (strncmp(u, "https://", 8) == 0) { use_tls = 1; p = u + 8; }
  else if (strncmp(u, "http://", 7) == 0) { use_tls = 0; p = u + 7; }
  else die("url must start with http:// or https://");
  const char *slash = strchr(p, '/');
  size_t hp_len = slash ? (size_t)(slash - p) : strlen(p);
  char hp[300];
  if (hp_len >= sizeof hp) die("host too long");
  memcpy(hp, p, hp_len);
  hp[hp_len] = 0;
  snprintf(path, sizeof path, "%s", slash ? slash : "/");
  char *colon = strrchr(hp, ':');
  if (hp[0] == '[') { /* [v6]:port */
    char *rb = strchr(hp, ']');
    if (!rb) die("bad url");
    *rb = 0;
    snprintf(host, sizeof host, "%s", hp + 1);
    colon = rb[1] == ':' ? rb + 1 : NULL;
  } else {
    if (colon) *colon = 0;
    snprintf(host, sizeof host, "%s", hp);
  }
  snprintf(port, sizeof port, "%s", colon ? colon + 1 : (use_tls ? "443" : "80"));
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
  if (getaddrinfo(opt_connect ? opt_connect : host, port, &hints, &res) != 0) die("cannot resolve host");
  memcpy(&addr, res->ai_addr, res->ai_addrlen);
  addrlen = res->ai_addrlen;
  freeaddrinfo(res);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (usage(), (char *)NULL))
    if (!strcmp(a, "--url")) opt_url = NEXT();
    else if (!strcmp(a, "--cert")) opt_cert = NEXT();
    else if (!strcmp(a, "--key")) opt_key = NEXT();
    else if (!strcmp(a, "--cacert")) opt_cacert = NEXT();
    else if (!strcmp(a, "--conns")) opt_conns = atoi(NEXT());
    else if (!strcmp(a, "--duration")) opt_duration = atof(NEXT());
    else if (!strcmp(a, "--warmup")) opt_warmup = atof(NEXT());
    else if (!strcmp(a, "--handshake")) opt_handshake = 1;
    else if (!strcmp(a, "--tls12")) opt_tlsver = 12;
    else if (!strcmp(a, "--tls13")) opt_tlsver = 13;
    else if (!strcmp(a, "--header")) {
      const char *h = NEXT();
      size_t l = strlen(extra_headers);
      snprintf(extra_headers + l, sizeof extra_headers - l, "%s\r\n", h);
    } else if (!strcmp(a, "--connect")) opt_connect = NEXT();
    else if (!strcmp(a, "--method")) opt_method = NEXT();
    else if (!strcmp(a, "--body-file")) opt_body_file = NEXT();
    else if (!strcmp(a, "-v")) opt_verbose = 1;
    else usage();
  }
  if (!opt_url || opt_conns < 1 || opt_duration <= 0) usage();
  signal(SIGPIPE, SIG_IGN);
  parse_url(opt_url);

  if (use_tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) ssl_die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, opt_tlsver == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (opt_tlsver == 12) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    /* never resume: each handshake in --handshake mode is a full one */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
    if (opt_cert) {
      if (SSL_CTX_use_certificate_chain_file(ctx, opt_cert) != 1) ssl_die("cannot load --cert");
      if (SSL_CTX_use_PrivateKey_file(ctx, opt_key ? opt_key : opt_cert, SSL_FILETYPE_PEM) != 1)
        ssl_die("cannot load --key");
      if (SSL_CTX_check_private_key(ctx) != 1) ssl_die("--key does not match --cert");
    }
    if (opt_cacert) {
      if (SSL_CTX_load_verify_locations(ctx, opt_cacert, NULL) != 1) ssl_die("cannot load --cacert");
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
  }

  char hosthdr[400];
  if ((use_tls && !strcmp(port, "443")) || (!use_tls && !strcmp(port, "80")))
    snprintf(hosthdr, sizeof hosthdr, "%s", host);
  else
    snprintf(hosthdr, sizeof hosthdr, "%s:%s", host, port);
  static char body[8192];
  size_t body_len = 0;
  char clen[64] = "";
  if (opt_body_file) {
    FILE *f = fopen(opt_body_file, "rb");
    if (!f) die("cannot open --body-file");
    body_len = fread(body, 1, sizeof body, f);
    if (!feof(f)) die("--body-file larger than 8 KiB");
    fclose(f);
    snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", body_len);
  }
  request_len = snprintf(request, sizeof request,
                         "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mtls-load\r\nAccept: */*\r\n%s%s%s\r\n",
                         opt_method, path, hosthdr, opt_handshake ? "Connection: close\r\n" : "", clen, extra_headers);
  if (request_len < 0 || (size_t)request_len + body_len >= sizeof request) die("request too large");
  memcpy(request + request_len, body, body_len);
  request_len += (int)body_len;

  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");
  conns = calloc((size_t)opt_conns, sizeof *conns);
  if (!conns) die("oom");

  uint64_t t0 = now_ns();
  t_measure_start = t0 + (uint64_t)(opt_warmup * 1e9);
  t_measure_end = t_measure_start + (uint64_t)(opt_duration * 1e9);
  t_end = t_measure_end;
  if (opt_warmup <= 0) measuring = 1;
  for (int i = 0; i < opt_conns; i++) {
    conns[i].fd = -1;
    conn_open(&conns[i]);
  }

  struct epoll_event evs[512];
  for (;;) {
    uint64_t t = now_ns();
    if (!measuring && t >= t_measure_start) {
      measuring = 1;
      /* requests already in flight started before the window; count them anyway (negligible) */
    }
    if (t >= t_end) break;
    int timeout_ms = (int)((t_end - t) / 1000000ULL) + 1;
    if (!measuring) {
      int w = (int)((t_measure_start - t) / 1000000ULL) + 1;
      if (w < timeout_ms) timeout_ms = w;
    }
    if (timeout_ms > 100) timeout_ms = 100;
    int n = epoll_wait(epfd, evs, 512, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (c->fd < 0) continue;
      if ((evs[i].events & (EPOLLERR | EPOLLHUP)) && c->st == ST_CONNECTING) {
        conn_fail(c, "connect refused");
        continue;
      }
      drive(c);
    }
  }
  double secs = opt_duration;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
  double wall_s = (double)(now_ns() - t0) / 1e9;
  printf("{\"mode\":\"%s\",\"url\":\"%s\",\"conns\":%d,\"duration_s\":%.3f,\"requests\":%llu,"
         "\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"errors\":%llu,\"non2xx\":%llu,"
         "\"requests_total\":%llu,\"wall_s\":%.3f,\"cpu_s\":%.3f,\"cpu_us_per_req\":%.1f}\n",
         opt_handshake ? "handshake" : "keepalive", opt_url, opt_conns, secs,
         (unsigned long long)n_ok, (double)n_ok / secs, hist_pct(50), hist_pct(99),
         (unsigned long long)n_err, (unsigned long long)n_non2xx, (unsigned long long)n_all, wall_s, cpu_s,
         n_all ? cpu_s * 1e6 / (double)n_all : 0.0);
  return 0;
}
