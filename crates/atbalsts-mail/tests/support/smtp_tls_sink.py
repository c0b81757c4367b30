"""A real SMTP server with TLS and authentication for the relay client's tests (aiosmtpd).

Usage: smtp_tls_sink.py PORT OUTDIR CERT KEY MODE USER PASSWORD, MODE being
"starttls" (STARTTLS required before anything else) or "implicit" (TLS from the first
byte). Authentication is required; only USER with PASSWORD is accepted. Each accepted
message goes to OUTDIR/N.eml with the authenticated user in OUTDIR/N.user. Prints READY
when listening and stops when its standard input closes.
"""
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, str(self.count))
        with open(base + ".user", "w") as f:
            f.write(str(session.auth_data.login, "utf-8") if session.auth_data else "")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as T%d" % self.count


class Accounts:
    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    port, outdir, cert, key, mode, user, password = sys.argv[1:8]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    common = dict(
        hostname="127.0.0.1",
        port=int(port),
        authenticator=Accounts(user, password),
        auth_required=True,
    )
    if mode == "starttls":
        controller = Controller(
            Sink(outdir), tls_context=context, require_starttls=True, **common
        )
    else:
        # Over implicit TLS the connection is already protected; aiosmtpd only knows
        # STARTTLS as "TLS", so its own check is turned off here.
        controller = Controller(
            Sink(outdir), ssl_context=context, auth_require_tls=False, **common
        )
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
