-- CreateTable
CREATE TABLE "push_registrations" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "options" TEXT,
    "created_at" DATETIME NOT NULL,

    PRIMARY KEY ("owner", "jid", "node"),
    CONSTRAINT "push_registrations_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);
