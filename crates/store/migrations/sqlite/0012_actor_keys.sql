-- Federation: each actor's key pair for HTTP signatures, the site's
-- ('site') and each author's ('user:ID'), made when first needed.
CREATE TABLE actor_keys (
    actor       TEXT PRIMARY KEY,
    -- PEM: SubjectPublicKeyInfo, as actor documents publish it.
    public_pem  TEXT NOT NULL,
    -- PEM: PKCS#8. Never leaves the database but to sign.
    private_pem TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
