/** OAuth client authentication with HTTP Basic (RFC 6749 §2.3.1), for both ends of the bank's API. */

export interface ClientCredentials {
  id: string;
  secret: string;
}

export function basicAuthorization(credentials: ClientCredentials): string {
  const encoded = `${encodeURIComponent(credentials.id)}:${encodeURIComponent(credentials.secret)}`;
  return `Basic ${Buffer.from(encoded).toString('base64')}`;
}

/** The credentials an Authorization header carries, if it is well-formed Basic. */
export function basicCredentials(header: string): ClientCredentials | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}
