import type { Harness } from '../support/harness.ts';

export interface FlowAnswer {
  status: number;
  body: Record<string, unknown>;
}

export type Step = Record<string, unknown> & { kind: string };

/** The flow app's calls, as a browser makes them: the publishable key and the session's client secret. */
export class FlowClient {
  constructor(
    private readonly baseUrl: string,
    private readonly publishableKey: string,
    private readonly clientSecret: string | undefined,
  ) {}

  static of(h: Harness, clientSecret: string | undefined, publishableKey = h.publishableKey) {
    return new FlowClient(h.url, publishableKey, clientSecret);
  }

  /** The same session from another process's URL. */
  at(baseUrl: string): FlowClient {
    return new FlowClient(baseUrl, this.publishableKey, this.clientSecret);
  }

  private fields(extra: Record<string, string | string[]>): URLSearchParams {
    const params = new URLSearchParams();
    if (this.clientSecret !== undefined) params.set('client_secret', this.clientSecret);
    for (const [name, value] of Object.entries(extra)) {
      if (!Array.isArray(value)) params.set(name, value);
      else for (const [i, v] of value.entries()) params.append(`${name}[${i}]`, v);
    }
    return params;
  }

  private async send(path: string, init: RequestInit): Promise<FlowAnswer> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.publishableKey}`);
    const response = await fetch(`${this.baseUrl}/flow/v1/${path}`, { ...init, headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  post(path: string, fields: Record<string, string | string[]> = {}): Promise<FlowAnswer> {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: this.fields(fields).toString(),
    });
  }

  /** A step that must succeed; its step. */
  async step(path: string, fields: Record<string, string | string[]> = {}): Promise<Step> {
    const answer = await this.post(path, fields);
    if (answer.status !== 200)
      throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.step as Step;
  }
}
