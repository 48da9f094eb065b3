/** Which KMS calls count as using a key, and from where: shared by the grant and activity rules. */

/** Cryptographic operations: a principal that made one of these has used the key. */
export const CRYPTO_OPERATIONS = new Set([
  'Decrypt', 'Encrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'Sign', 'Verify', 'DeriveSharedSecret',
]);

/** Calls KMS accepts from another account (with policy permission): the only cross-account uses. */
export const CROSS_ACCOUNT_OPERATIONS = new Set([
  ...CRYPTO_OPERATIONS, 'DescribeKey', 'GetPublicKey', 'CreateGrant', 'ListGrants', 'RetireGrant', 'RevokeGrant',
]);

/** The account in a principal as written in a grant or policy: an IAM/STS ARN, or `123456789012[:...]`. */
export function accountOfPrincipal(principal: string): string | undefined {
  const arn = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal);
  if (arn) return arn[1];
  return /^(\d{12})(?::|$)/.exec(principal)?.[1];
}

/** `dynamodb.us-west-2.amazonaws.com`: grants to services are their own plumbing. */
export const isServicePrincipal = (principal: string): boolean => /\.amazonaws\.com(\.cn)?$/i.test(principal);
