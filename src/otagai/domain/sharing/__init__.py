"""A share request among the people around it: who may read it and what each of them sees
(visibility), reading and cancelling it, the offers supporters make on it, and accepting
one into a match.

Everything here depends on the candidate rules (``matching``), so it sits above them;
the records it works on and what needs no candidacy - posting a request, listing mine,
expiry, the match lifecycle - live below, in ``requests`` and ``matches``.
"""
