"""A person's own account where it reaches across areas: creating and updating the
profile (a home decides the household's municipality), joining another household,
leaving a community (certifications there are revoked) and deleting the account (which
also forgets connections). These change people, communities and trust at once, so they
sit above all three; whatever stays within one area lives in that area."""
