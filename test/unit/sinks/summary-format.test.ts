/** summary's text: the destructive list names principals as filter's table does, so a cut keeps the role; the origins table's rows read apart. */
import { describe, expect, it } from 'vitest';
import type { OriginRow } from '../../../src/sinks/aggregators/summary.js';
import { listedPrincipal, originTexts } from '../../../src/sinks/summary-format.js';

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

describe('originTexts', () => {
  const row = (value: string, kind: OriginRow['kind'], identity: string, provider: string | null = null): OriginRow => ({ value, kind, identity, provider, count: 1, share: 0 });

  it('a short name with its kind and provider; rows that would read the same name their identity in full', () => {
    const rows = [
      row('christophe', 'iam-user', 'arn:aws:iam::056392974792:user/christophe'),
      row('christophe', 'iam-user', 'arn:aws:iam::017622104382:user/christophe'),
      row('bert-jan', 'iam-user', 'arn:aws:iam::017622104382:user/bert-jan'),
      row('? → Admin', 'unresolved', 'arn:aws:sts::111122223333:assumed-role/Admin/a'),
      row('? → Admin', 'unresolved', 'arn:aws:sts::444455556666:assumed-role/Admin/a'),
      row('priya@corp.example', 'saml-user', 'priya@corp.example', 'Okta'),
      row('sub', 'web-identity-user', 'sub', 'oidc.eks.eu-west-1.amazonaws.com/id/ABC'),
      row('sub', 'web-identity-user', 'sub', 'accounts.google.com'),
    ];
    expect(originTexts(rows)).toEqual([
      'arn:aws:iam::056392974792:user/christophe (iam-user)',
      'arn:aws:iam::017622104382:user/christophe (iam-user)',
      'bert-jan (iam-user)',
      '? → arn:aws:sts::111122223333:assumed-role/Admin/a (unresolved)',
      '? → arn:aws:sts::444455556666:assumed-role/Admin/a (unresolved)',
      'priya@corp.example (saml-user, Okta)',
      'sub (web-identity-user, oidc.eks.eu-west-1.amazonaws.com/id/ABC)',
      'sub (web-identity-user, accounts.google.com)',
    ]);
  });
});
