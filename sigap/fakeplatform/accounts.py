"""The city accounts the fake platform plays, shared with `sigap demo` (which connects them in Sigap).

All ids are invented in the shapes of §10; none is a real account or phone number.
"""

# platform -> what the fake knows about the city's account there.
CITY_ACCOUNTS = {
    "instagram": {"id": "17841400000000001", "handle": "pemkot_solo", "name": "Pemkot Surakarta"},
    "facebook": {"id": "104000000000001", "handle": "pemkotsolo", "name": "Pemerintah Kota Surakarta"},
    # Messenger is the same Page as Facebook (§3): one id, two products.
    "messenger": {"id": "104000000000001", "handle": "pemkotsolo", "name": "Pemerintah Kota Surakarta"},
    # The phone-number id (what Sigap addresses) and its WhatsApp Business Account (what envelopes name, §4.1).
    "whatsapp": {
        "id": "110000000000001",
        "waba": "330000000000001",
        "handle": "6282100000000",
        "name": "Lapor Mas Wali (demo)",
    },
    "x": {"id": "1500000000000000001", "handle": "PEMKOT_SOLO", "name": "Pemkot Surakarta"},
    "youtube": {"id": "UCfakeKotaSurakarta00001", "handle": "pemkotsolo", "name": "Pemkot Surakarta"},
    "telegram": {"id": "7000000001", "handle": "sigap_solo_bot", "name": "Sigap Solo"},
    "tiktok": {"id": "-000PemkotSoloDemo0001", "handle": "pemkot.surakarta", "name": "Pemkot Surakarta"},
}

# Where Sigap's workers read each account's access token (Account.token_env); `sigap run` sets them.
TOKEN_ENV = {platform: f"SIGAP_DEMO_{platform.upper()}_TOKEN" for platform in CITY_ACCOUNTS}

# YouTube cannot push comments (§6.1): Sigap polls it. Short enough for a demo to feel live.
DEMO_POLL_INTERVALS = {"youtube": 10}
