#!/usr/bin/env node
// Reference origins for the differential test (test/unit/origins-vs-reference.test.ts), written
// apart from src/ on purpose: no imports from it, one plain loop, only what generated trails
// (shared bench/gen-trail.mjs) hold. For every record of one trail file it prints
//   eventID <TAB> kind:identity <TAB> chain
// where chain is the links from the origin down to the record's own principal, joined by " > ",
// each as principal[via@eventID] (via and eventID empty when there is none).
//
// The rules, as the issue states them: a temporary key leads to the STS call whose
// responseElements.credentials.accessKeyId is that key (successful calls only); that call's
// principal is the link before. The walk ends at a principal whose key no call issued: an IAM user
// (via access-key for AKIA keys, console/session for ASIA keys), root, an AWS service, a SAML or
// web-identity user; a role session there is "unresolved". Identity Center and federated users are
// not modelled: generated trails have none.
//
// Usage: node origin-reference.mjs trail.json > origins.tsv
import { readFileSync } from 'node:fs';

const ISSUING = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken', 'AssumeRoot'];

const file = process.argv[2];
if (!file) {
  console.error('usage: node origin-reference.mjs trail.json');
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(file, 'utf8'));
const records = Array.isArray(parsed) ? parsed : parsed.Records;

const issuedBy = new Map(); // access key -> the record that issued it
for (const r of records) {
  if (r.eventSource !== 'sts.amazonaws.com' || !ISSUING.includes(r.eventName) || r.errorCode) continue;
  const key = r.responseElements && r.responseElements.credentials && r.responseElements.credentials.accessKeyId;
  if (!key) continue;
  if (issuedBy.has(key)) throw new Error(`key ${key} issued twice: ${issuedBy.get(key).eventID} and ${r.eventID}`);
  issuedBy.set(key, r);
}

function nameOf(who) {
  if (who.type === 'AWSService') return who.invokedBy || '';
  if (who.type === 'SAMLUser' || who.type === 'WebIdentityUser') return who.userName || who.principalId || '';
  return who.arn || who.userName || who.invokedBy || who.principalId || who.accountId || '';
}

function originOf(record) {
  let who = record.userIdentity;
  if (!who || typeof who !== 'object') return { kind: 'unresolved', links: [] };
  let fromConsole = record.sessionCredentialFromConsole === 'true' || record.sessionCredentialFromConsole === true;
  const links = [];
  const walked = new Set();
  for (;;) {
    const key = who.accessKeyId;
    const call = key ? issuedBy.get(key) : undefined;
    if (!call) break;
    if (walked.has(key)) return { kind: 'unresolved', links: [{ principal: nameOf(who) }, ...links] };
    walked.add(key);
    links.unshift({ principal: nameOf(who), via: call.eventName, eventID: call.eventID });
    who = call.userIdentity;
    fromConsole = call.sessionCredentialFromConsole === 'true' || call.sessionCredentialFromConsole === true;
  }
  const last = { principal: nameOf(who) };
  let kind = 'unresolved';
  if (who.type === 'IAMUser' || who.type === 'Root') {
    kind = who.type === 'Root' ? 'root' : 'iam-user';
    const key = who.accessKeyId || '';
    if (key.startsWith('AKIA')) last.via = 'access-key';
    else if (key.startsWith('ASIA')) last.via = fromConsole ? 'console' : 'session';
  } else if (who.type === 'AWSService' || (!who.type && who.invokedBy)) {
    kind = 'aws-service';
  } else if (who.type === 'SAMLUser') {
    kind = 'saml-user';
  } else if (who.type === 'WebIdentityUser') {
    kind = 'web-identity-user';
  }
  links.unshift(last);
  return { kind, links };
}

const out = [];
for (const r of records) {
  const { kind, links } = originOf(r);
  const identity = links.length ? links[0].principal : '';
  const chain = links.map((l) => `${l.principal}[${l.via || ''}@${l.eventID || ''}]`).join(' > ');
  out.push(`${r.eventID}\t${kind}:${identity}\t${chain}`);
}
process.stdout.write(out.join('\n') + '\n');
