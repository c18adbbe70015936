"""The signing round: `pdpacket sign` prints what each person signs (packet.py), with a page code on every
page (pdf/codes.py) so that the signed pages can be read back and put into the filing."""
