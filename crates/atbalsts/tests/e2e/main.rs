//! End-to-end tests over HTTP: one test binary, every scenario on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod harness;

mod access;
mod assistant;
mod attachments;
mod calendars;
mod clocks;
mod connector_files;
mod connectors;
mod contacts;
mod create;
mod groups;
mod kb;
mod lifecycle;
mod mail;
mod mail_threads;
mod operations;
mod problems;
mod queues;
mod registers;
mod requesters;
mod transfers;
mod web;
mod web_admin;
mod web_assistant;
mod web_attachments;
mod web_clocks;
mod web_contacts;
mod web_kb;
mod web_request;
mod web_requesters;
mod web_staff;
mod webhooks;
