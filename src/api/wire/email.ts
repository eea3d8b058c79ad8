import { invalidRequest } from '../../domain/errors.ts';

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Refuses an email address that cannot be one; null or absent is left alone. */
export function checkEmail(email: string | null | undefined): void {
  if (email && !emailPattern.test(email))
    throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
}
