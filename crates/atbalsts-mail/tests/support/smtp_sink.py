"""A real SMTP server for the relay client's tests (aiosmtpd).

Usage: smtp_sink.py PORT OUTDIR. Writes each accepted message to OUTDIR/N.eml and its
envelope to OUTDIR/N.env; refuses recipients starting with "reject" (550) and defers
those starting with "later" (451). Prints READY when listening and stops when its
standard input closes, so it never outlives the test that started it.
"""
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, str(self.count))
        with open(base + ".env", "w") as f:
            f.write("\n".join([envelope.mail_from or ""] + envelope.rcpt_tos))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as Q%d" % self.count


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(outdir), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
