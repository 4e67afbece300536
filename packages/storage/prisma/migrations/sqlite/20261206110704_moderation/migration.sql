-- CreateTable
CREATE TABLE "abuse_reports" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "created_at" DATETIME NOT NULL,
    "reporter" TEXT NOT NULL,
    "offender" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "messages" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "resolved_at" DATETIME,
    "resolution" TEXT
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "detail" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "server_settings" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- AlterTable
-- Written by hand instead of Prisma's table redefinition: the migrations run
-- inside one transaction, where PRAGMA foreign_keys cannot be turned off, so
-- its DROP TABLE "accounts" would cascade and empty every table an account owns.
ALTER TABLE "accounts" ADD COLUMN "suspended_at" DATETIME;
ALTER TABLE "accounts" ADD COLUMN "suspended_reason" TEXT;
ALTER TABLE "accounts" ADD COLUMN "suspended_notice" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "accounts" ADD COLUMN "motd_seen" TEXT;
CREATE INDEX "accounts_created_at_idx" ON "accounts"("created_at");
CREATE INDEX "accounts_suspended_at_idx" ON "accounts"("suspended_at");

-- CreateIndex
CREATE INDEX "abuse_reports_status_created_at_idx" ON "abuse_reports"("status", "created_at");

-- CreateIndex
CREATE INDEX "abuse_reports_reporter_created_at_idx" ON "abuse_reports"("reporter", "created_at");

-- CreateIndex
CREATE INDEX "abuse_reports_offender_idx" ON "abuse_reports"("offender");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");
