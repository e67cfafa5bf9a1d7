// Which virtual host of a listener a server name belongs to: used to dispatch a connection by the
// SNI of its ClientHello (sni-dispatch.ts) and to tell a request whose Host names another host
// (pipeline/misdirected-request.ts). Names are lower-cased at load; `*.example.com` stands for
// exactly one more label, as in a certificate (RFC 6125 section 6.4.3), and an exact name wins.
export class ServerNames<T> {
  private readonly byName = new Map<string, T>();

  constructor(hosts: Iterable<readonly [readonly string[], T]>) {
    for (const [names, host] of hosts) for (const name of names) this.byName.set(name, host);
  }

  /** The host for a lower-cased name, undefined for a name no host has (the default host's). */
  lookup(name: string): T | undefined {
    const exact = this.byName.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    return dot > 0 ? this.byName.get(`*${name.slice(dot)}`) : undefined;
  }
}
