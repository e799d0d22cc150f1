"""clinicbill: local-first billing for massage therapy and acupuncture practices."""

__version__ = "0.1.0"
