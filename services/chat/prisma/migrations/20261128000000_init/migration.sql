-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ChatRole" AS ENUM ('OWNER', 'MOD', 'MEMBER');

-- CreateEnum
CREATE TYPE "MuteAction" AS ENUM ('MUTE', 'UNMUTE');

-- CreateTable
CREATE TABLE "chat_message" (
    "id" BIGSERIAL NOT NULL,
    "app_id" INTEGER NOT NULL,
    "channel" VARCHAR(40) NOT NULL,
    "text" VARCHAR(300) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "user_auth_id" INTEGER,
    "user_uname" VARCHAR(32),
    "user_role" "ChatRole",

    CONSTRAINT "chat_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_mute" (
    "app_id" INTEGER NOT NULL,
    "auth_id" INTEGER NOT NULL,
    "uname" VARCHAR(32) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "muted_by_auth_id" INTEGER NOT NULL,
    "muted_by_uname" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_mute_pkey" PRIMARY KEY ("app_id","auth_id")
);

-- CreateTable
CREATE TABLE "chat_mute_event" (
    "id" BIGSERIAL NOT NULL,
    "app_id" INTEGER NOT NULL,
    "action" "MuteAction" NOT NULL,
    "target_auth_id" INTEGER NOT NULL,
    "target_uname" VARCHAR(32) NOT NULL,
    "actor_auth_id" INTEGER NOT NULL,
    "actor_uname" VARCHAR(32) NOT NULL,
    "actor_role" "ChatRole" NOT NULL,
    "duration_seconds" INTEGER,
    "expires_at" TIMESTAMPTZ(3),
    "message_id" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_mute_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_rate" (
    "app_id" INTEGER NOT NULL,
    "auth_id" INTEGER NOT NULL,
    "stamps" TIMESTAMPTZ(3)[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_rate_pkey" PRIMARY KEY ("app_id","auth_id")
);

-- CreateTable
CREATE TABLE "chat_gateway" (
    "gateway_id" VARCHAR(64) NOT NULL,
    "last_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "interval_ms" INTEGER NOT NULL DEFAULT 5000,

    CONSTRAINT "chat_gateway_pkey" PRIMARY KEY ("gateway_id")
);

-- CreateTable
CREATE TABLE "chat_socket" (
    "gateway_id" VARCHAR(64) NOT NULL,
    "socket_id" VARCHAR(64) NOT NULL,
    "app_id" INTEGER NOT NULL,
    "auth_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_socket_pkey" PRIMARY KEY ("gateway_id","socket_id")
);

-- CreateTable
CREATE TABLE "chat_presence" (
    "app_id" INTEGER NOT NULL,
    "auth_id" INTEGER NOT NULL,
    "uname" VARCHAR(32) NOT NULL,
    "role" "ChatRole" NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "check_at" TIMESTAMPTZ(3),

    CONSTRAINT "chat_presence_pkey" PRIMARY KEY ("app_id","auth_id")
);

-- CreateIndex
CREATE INDEX "chat_message_app_id_id_desc" ON "chat_message"("app_id", "id" DESC);

-- CreateIndex
CREATE INDEX "chat_mute_event_app_target" ON "chat_mute_event"("app_id", "target_auth_id", "id" DESC);

-- CreateIndex
CREATE INDEX "chat_rate_updated_at" ON "chat_rate"("updated_at");

-- CreateIndex
CREATE INDEX "chat_gateway_last_seen" ON "chat_gateway"("last_seen");

-- CreateIndex
CREATE INDEX "chat_socket_app_user" ON "chat_socket"("app_id", "auth_id");

-- CreateIndex
CREATE INDEX "chat_presence_check_at" ON "chat_presence"("check_at");

