-- Rates imported from AWS's price list offer file (privatelinkd prices import), by region. They
-- override the rates bundled in the binary, so a price change needs no build.
CREATE TABLE region_prices (
    region              TEXT PRIMARY KEY,
    endpoint_hour_usd   REAL NOT NULL CHECK (endpoint_hour_usd >= 0),
    data_tiers          TEXT NOT NULL,             -- JSON array of {"up_to_gb": n|null, "usd_per_gb": n}
    publication_date    TEXT NOT NULL,             -- the offer file's publicationDate
    imported_at         TEXT NOT NULL,
    imported_by         TEXT NOT NULL
);
