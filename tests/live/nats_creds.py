#!/usr/bin/env python3
"""NATS credentials for the tests, made without nsc (which Debian does not
package): an operator, an account and users, with their ed25519 NKeys and
JWTs, and each user's .creds file as nsc writes it.
usage: nats_creds.py DIR

Writes into DIR:
  server.conf     nats-server's operator mode: the operator's JWT, its
                  system account (nats-server 2.9 starts no JetStream in
                  operator mode without one), resolver MEMORY, both
                  accounts' JWTs in resolver_preload (the test adds -a,
                  -p, -js, -sd on the command line)
  needle.creds    a user of the account that may publish to needle.> and
                  $JS.API.> and subscribe to _INBOX.> only (what needle run
                  needs: its stream made, its events sent, their acks)
  reader.creds    another user of the account, allowed everything: the
                  tests' own reader of the stream (nats-count, gather)
  stranger.creds  a user of another account (of no operator the server
                  trusts): well formed, signed right, unknown to the server
  mixed.creds     needle's JWT with reader's seed: the seed cannot sign the
                  server's nonce for the JWT's user

The formats (nats-io/nkeys, nats-io/jwt v2):
  - an NKey is base32 (no padding) of a prefix byte (operator 14<<3 'O',
    account 0 'A', user 20<<3 'U'), the 32 bytes of the ed25519 public
    key and the CRC16 (XMODEM) of those, little endian; a seed is the
    same of two bytes (18<<3 | prefix>>5, (prefix&31)<<3: 'SO', 'SA',
    'SU') and the 32 bytes of the ed25519 seed;
  - a JWT is base64url (no padding) of the header
    {"typ":"JWT","alg":"ed25519-nkey"}, of the claims, and of the
    issuer's ed25519 signature of the two joined by '.'; the claims: jti
    (base32 of the SHA-512/256 of the claims without it), iat, iss (the
    issuer's public NKey), name, sub (the subject's), and nats with type
    and version 2. The operator signs itself and the account, the account
    its users. JetStream is on for an account when its limits give it
    memory or disk storage (-1: no limit), as nats-server 2.9 reads them;
    the system account has none."""
import base64, hashlib, json, os, sys, time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = {"operator": 14 << 3, "account": 0, "user": 20 << 3}
PREFIX_SEED = 18 << 3
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def b32(data):
    return base64.b32encode(data).decode().rstrip("=")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def with_crc(raw):
    return b32(raw + crc16(raw).to_bytes(2, "little"))


class NKey:
    def __init__(self, kind):
        prefix = PREFIX[kind]
        seed = os.urandom(32)
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public = with_crc(bytes([prefix]) + self.key.public_key().public_bytes(*RAW))
        self.seed = with_crc(bytes([PREFIX_SEED | prefix >> 5, (prefix & 31) << 3]) + seed)


def jwt(issuer, subject, name, nats):
    def compact(value):
        return json.dumps(value, separators=(",", ":")).encode()

    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name, "sub": subject.public}
    claims = {"jti": b32(hashlib.new("sha512_256", compact(claims)).digest()), **claims,
              "nats": nats}
    signed = b64url(compact({"typ": "JWT", "alg": "ed25519-nkey"})) + "." + b64url(compact(claims))
    return signed + "." + b64url(issuer.key.sign(signed.encode()))


def account_claims(jetstream):
    limits = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
              "wildcards": True, "conn": -1, "leaf": -1}
    if jetstream:
        limits.update({"mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1})
    return {"limits": limits, "default_permissions": {"pub": {}, "sub": {}},
            "type": "account", "version": 2}


def user_claims(pub=None, sub=None):
    return {"pub": {"allow": pub} if pub else {}, "sub": {"allow": sub} if sub else {},
            "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2}


def creds(user_jwt, seed):
    return (f"-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            f"-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n"
            "*************************************************************\n")


def write(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    operator, system, account = NKey("operator"), NKey("account"), NKey("account")
    operator_jwt = jwt(operator, operator, "needle-test",
                       {"system_account": system.public, "type": "operator", "version": 2})
    system_jwt = jwt(operator, system, "SYS", account_claims(jetstream=False))
    account_jwt = jwt(operator, account, "NEEDLE", account_claims(jetstream=True))
    needle, reader = NKey("user"), NKey("user")
    needle_jwt = jwt(account, needle, "needle-host",
                     user_claims(pub=["needle.>", "$JS.API.>"], sub=["_INBOX.>"]))
    reader_jwt = jwt(account, reader, "reader", user_claims())
    # A user of another account, one the server's operator never signed.
    other, stranger = NKey("account"), NKey("user")
    stranger_jwt = jwt(other, stranger, "stranger", user_claims())

    write(os.path.join(out, "operator.jwt"), operator_jwt + "\n")
    write(os.path.join(out, "server.conf"),
          f'operator: "{os.path.join(out, "operator.jwt")}"\n'
          f"system_account: {system.public}\n"
          "resolver: MEMORY\n"
          f"resolver_preload: {{\n  {system.public}: \"{system_jwt}\"\n"
          f"  {account.public}: \"{account_jwt}\"\n}}\n")
    write(os.path.join(out, "needle.creds"), creds(needle_jwt, needle.seed))
    write(os.path.join(out, "reader.creds"), creds(reader_jwt, reader.seed))
    write(os.path.join(out, "stranger.creds"), creds(stranger_jwt, stranger.seed))
    write(os.path.join(out, "mixed.creds"), creds(needle_jwt, reader.seed))


if __name__ == "__main__":
    main()
