import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { SupabaseSession } from '../../core/supabase-cookie.ts';

export interface AdminUser {
  id: string;
  org_id: string;
  email: string;
}

export interface SessionClaims {
  sub: string;
  email: string;
  org_id: string;
  session_id: string;
}

export class SessionError extends Error {
  constructor(readonly reason: 'expired' | 'invalid' | 'missing') {
    super(reason === 'expired' ? 'JWT expired' : reason === 'missing' ? 'no session' : 'invalid JWT');
  }
}

/**
 * Issues and checks sessions the way Supabase Auth (GoTrue) does: an HS256 JWT with
 * aud "authenticated", signed with the project's JWT secret.
 */
export class SessionAuthority {
  private readonly key: Uint8Array;
  /** Refresh tokens not yet used, and whose they are (GoTrue rotates them: each works once). */
  private readonly refreshTokens = new Map<string, AdminUser>();
  constructor(
    secret: string | undefined,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = secret ? new TextEncoder().encode(secret) : new Uint8Array(randomBytes(32));
  }

  async issue(user: AdminUser, ttlSeconds = this.ttlSeconds): Promise<SupabaseSession> {
    const now = Math.floor(Date.now() / 1000);
    const sessionId = randomUUID();
    const accessToken = await new SignJWT({
      email: user.email,
      role: 'authenticated',
      session_id: sessionId,
      app_metadata: { provider: 'email', org_id: user.org_id },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.key);
    const refreshToken = randomBytes(12).toString('base64url');
    this.refreshTokens.set(refreshToken, user);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: ttlSeconds,
      expires_at: now + ttlSeconds,
      user: { id: user.id, aud: 'authenticated', role: 'authenticated', email: user.email },
    };
  }

  /** The refresh-token grant: a new session for the token's user, the token itself spent; null when unknown or used. */
  async refresh(refreshToken: string): Promise<SupabaseSession | null> {
    const user = this.refreshTokens.get(refreshToken);
    if (!user) return null;
    this.refreshTokens.delete(refreshToken);
    return this.issue(user);
  }

  async verify(token: string | null): Promise<SessionClaims> {
    if (!token) throw new SessionError('missing');
    try {
      const { payload } = await jwtVerify(token, this.key, { audience: 'authenticated', issuer: this.issuer });
      const app = (payload.app_metadata ?? {}) as { org_id?: string };
      if (!payload.sub || !app.org_id) throw new SessionError('invalid');
      return { sub: payload.sub, email: String(payload.email ?? ''), org_id: app.org_id, session_id: String(payload.session_id ?? '') };
    } catch (error) {
      if (error instanceof SessionError) throw error;
      throw new SessionError(error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid');
    }
  }
}
