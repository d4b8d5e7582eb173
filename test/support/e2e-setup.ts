// End-to-end tests boot the application and talk to PostgreSQL, Redis and SMTP.
jest.setTimeout(60_000);
