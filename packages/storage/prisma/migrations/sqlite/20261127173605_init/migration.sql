-- CreateTable
CREATE TABLE "accounts" (
    "username" TEXT NOT NULL PRIMARY KEY,
    "created_at" DATETIME NOT NULL,
    "roster_version" BIGINT NOT NULL DEFAULT 0,
    "offline_seq" BIGINT NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "scram_credentials" (
    "owner" TEXT NOT NULL,
    "mechanism" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "iterations" INTEGER NOT NULL,
    "stored_key" TEXT NOT NULL,
    "server_key" TEXT NOT NULL,

    PRIMARY KEY ("owner", "mechanism"),
    CONSTRAINT "scram_credentials_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "account_tombstones" (
    "username" TEXT NOT NULL PRIMARY KEY,
    "deleted_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "roster_items" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "name" TEXT,
    "subscription" TEXT NOT NULL,
    "ask_subscribe" BOOLEAN NOT NULL,
    "approved" BOOLEAN NOT NULL,
    "groups" TEXT NOT NULL,

    PRIMARY KEY ("owner", "jid"),
    CONSTRAINT "roster_items_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "pending_subscriptions" (
    "owner" TEXT NOT NULL,
    "jid" TEXT NOT NULL,
    "stanza" TEXT NOT NULL,

    PRIMARY KEY ("owner", "jid"),
    CONSTRAINT "pending_subscriptions_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "offline_messages" (
    "owner" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "stanza" TEXT NOT NULL,
    "stored_at" DATETIME NOT NULL,

    PRIMARY KEY ("owner", "seq"),
    CONSTRAINT "offline_messages_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "private_xml" (
    "owner" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "xml" TEXT NOT NULL,

    PRIMARY KEY ("owner", "key"),
    CONSTRAINT "private_xml_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "vcards" (
    "owner" TEXT NOT NULL PRIMARY KEY,
    "xml" TEXT NOT NULL,
    CONSTRAINT "vcards_owner_fkey" FOREIGN KEY ("owner") REFERENCES "accounts" ("username") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "account_tombstones_deleted_at_idx" ON "account_tombstones"("deleted_at");
