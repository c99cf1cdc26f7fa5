"""A realistic synthetic population: a town's households, their children, their
acquaintances, communities and certified supporters, and months of requests, offers,
matches and thank-yous, written with COPY as the app would have written them.

    build_synthetic(database_url, households=3000, municipality="111007", months=12, seed=1)

or ``flask seed synthetic``. Each module holds one part and says how it is modelled:
``stations`` and ``geography`` (where people live), ``people``, ``communities`` (members,
certifications, events), ``graph`` (connections), ``activity`` (the requests' lives),
``tables`` (rows), ``loader`` (COPY), ``build`` (the order and the record of a load).
"""

from otagai.seeding.synthetic.build import Summary, SyntheticLoadError, build_synthetic
from otagai.seeding.synthetic.loader import Progress

__all__ = ["Progress", "Summary", "SyntheticLoadError", "build_synthetic"]
