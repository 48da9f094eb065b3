/** summary's destructive list names principals as filter's table does, so a cut keeps the role. */
import { describe, expect, it } from 'vitest';
import { listedPrincipal } from '../../../src/sinks/summary-format.js';

describe('listedPrincipal', () => {
  it('a role session as role/session, a user by name, a root user with its account, anything else as given', () => {
    expect(listedPrincipal('arn:aws:sts::111122223333:assumed-role/KeyAdmin/aws-go-sdk-1709251246872810206')).toBe('KeyAdmin/aws-go-sdk-1709251246872810206');
    expect(listedPrincipal('arn:aws:iam::111122223333:user/Mallory')).toBe('Mallory');
    expect(listedPrincipal('arn:aws-us-gov:iam::111122223333:user/ops/Mallory')).toBe('ops/Mallory');
    expect(listedPrincipal('arn:aws:iam::444455556666:root')).toBe('444455556666:root');
    expect(listedPrincipal('arn:aws:sts::111122223333:federated-user/Bob')).toBe('Bob');
    expect(listedPrincipal('kms.amazonaws.com')).toBe('kms.amazonaws.com');
    expect(listedPrincipal('(unknown)')).toBe('(unknown)');
  });
});
