"""Start an mfad and an SMTP test server on 127.0.0.1 for the browser tests, and serve them.

It reuses the HTTP tests' harness (tests/http/harness.py, smtp.py). On start it prints one JSON
line: {"port": MFAD_PORT, "alias": ..., "owner_password": ...}. Then it reads commands on stdin,
one a line, and responds to each with one JSON line:
  mail             the received messages so far: [{"to": [...], "text": "..."}]
  clock SECONDS    move mfad's test clock by SECONDS; returns {"now": ...}
  align            move the clock to 2 s into the next TOTP step; returns {"now": ...}
  quit             stop both servers and exit
End of input also stops both. Run with Debian's /usr/bin/python3.
"""

import email
import email.policy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "http"))

import harness  # noqa: E402
import smtp  # noqa: E402


def mail_list(server):
    out = []
    for m in server.messages():
        msg = email.message_from_bytes(m.data, policy=email.policy.default)
        out.append({"to": [r.lower() for r in m.rcpt_tos],
                    "text": msg.get_body(preferencelist=("plain",)).get_content()})
    return out


def answer(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main():
    cleanups = []
    mail_server = smtp.SmtpServer()
    mail_server.start()
    cleanups.append(mail_server.stop)
    config = {
        # The plain test SMTP server on loopback speaks no TLS.
        "mail": {"smtp_url": "smtp://127.0.0.1:%d" % mail_server.port, "starttls": "none",
                 "from": "mfad@example.net"},
    }
    try:
        mfad = harness.start_server(cleanups.append, config=config)
        answer({"port": mfad.port, "alias": mfad.alias, "owner_password": mfad.owner_password,
                "log": mfad.log_path})
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "mail":
                answer(mail_list(mail_server))
            elif words[0] == "clock" and len(words) == 2:
                answer({"now": mfad.advance(int(words[1]))})
            elif words[0] == "align":
                answer({"now": mfad.align_step()})
            elif words[0] == "quit":
                break
            else:
                answer({"error": "unknown command %r" % line.strip()})
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


if __name__ == "__main__":
    main()
