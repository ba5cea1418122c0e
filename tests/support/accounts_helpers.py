"""Helpers of the account tests: the link in an invitation e-mail, a sheet of invitations."""
import re

from django.core import mail

LINK = re.compile(r"https?://\S*/invitation/(\S+)/|/invitation/(\S+)/")


def token_in(message):
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1) or found.group(2)


def last_token():
    return token_in(mail.outbox[-1])


def sheet(*rows, header=("団体コード", "氏名", "メールアドレス", "役割")):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()
