/**
 * Secrets never appear in logs, reports or error messages. Every secret the harness is
 * handed (environment, flags, cookie pools) is registered here, and every writer passes
 * its output through `redact()` as the last step, so a secret that slipped into an error
 * message from a driver or a URL is still caught.
 */
export const SECRET_ENV_VARS = [
  'CRON_SECRET',
  'DATABASE_URL',
  'SOURCE_DATABASE_URL',
  'SCRATCH_DATABASE_URL',
  'RESTORED_DATABASE_URL',
  'SUPABASE_ACCESS_TOKEN',
  'SANDBOX_CONTROL_SECRET',
  'SANDBOX_JWT_SECRET',
] as const;

export const REDACTED = '[redacted]';

/** Below this length a "secret" would match ordinary text everywhere; such values are refused upstream. */
const MIN_SECRET_LENGTH = 4;

export class SecretRegistry {
  private readonly values = new Set<string>();

  /** Registers a secret and the forms it travels in (URL-encoded, and a DB URL's password). */
  add(value: string | undefined | null): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    this.values.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) this.values.add(encoded);
    const password = passwordOf(value);
    if (password && password.length >= MIN_SECRET_LENGTH) {
      this.values.add(password);
      try {
        this.values.add(decodeURIComponent(password));
      } catch {
        // a malformed escape is still redacted in its raw form above
      }
    }
  }

  addFromEnv(env: NodeJS.ProcessEnv): void {
    for (const name of SECRET_ENV_VARS) this.add(env[name]);
  }

  /** Replaces every registered secret in `text`; longest first so a URL and its password both vanish. */
  redact(text: string): string {
    if (this.values.size === 0) return redactUrlPasswords(text);
    let out = text;
    for (const secret of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return redactUrlPasswords(out);
  }

  /** Deep copy with every string redacted (keys included). */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
  }

  get size(): number {
    return this.values.size;
  }
}

function passwordOf(value: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:([^@/\s]+)@/i.exec(value);
  return match?.[1];
}

/**
 * Masks what is secret by its shape, registered or not: the password in
 * `scheme://user:password@host`, Supabase session cookies, bearer tokens and JWTs.
 */
export function redactUrlPasswords(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s"']*:)([^@/\s"']+)(@)/gi, `$1${REDACTED}$3`)
    .replace(/(sb-[a-z0-9]+-auth-token(?:\.\d+)?=)[^;\s"']+/g, `$1${REDACTED}`)
    .replace(/(Bearer )[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`)
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED);
}

/** The process-wide registry: the CLI fills it from the environment and flags at start. */
export const secrets = new SecretRegistry();
