"""The documents pdpacket writes: choosing templates, checking them, their variables and context, rendering, the filing's plan."""
