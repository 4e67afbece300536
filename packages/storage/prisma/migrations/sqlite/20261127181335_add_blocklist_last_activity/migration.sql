-- CreateTable
CREATE TABLE "blocklist" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,

    PRIMARY KEY ("owner", "jid"),
    CONSTRAINT "blocklist_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "last_activity" (
    "owner" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    CONSTRAINT "last_activity_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);
