"""Value normalisers shared by rule and model spans: span text (+ reference year) -> value."""
