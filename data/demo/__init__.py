"""Seeded, realistic demo payment histories for the personas the app and the benchmarks use.

Everything is generated in KST wall-clock time (the billing month is the KST calendar month)
and converted to UTC only when the final rows are built. Spending is simulated as *attempts*
that pass through a per-bucket monthly limit check, like a carrier authorising them: attempts
that would push a bucket's monthly net total over its limit are declined and do not appear.

model.py (the records) → catalogue.py (what is bought, at what hours) → context.py (the seeded stream)
→ purchases.py (building blocks) → personas.py → carrier.py (limits, month end, cancellations)
→ generate.py (rows; generate_history, demo_lines).
"""

from data.demo.generate import demo_lines, generate_history
from data.demo.model import DemoCharge, DemoLine, Persona
from data.demo.personas import PERSONAS

__all__ = ["PERSONAS", "DemoCharge", "DemoLine", "Persona", "demo_lines", "generate_history"]
