// Integration tests talk to DynamoDB Local, fauxqs and the Stripe sandbox on a busy 2-core machine.
jest.setTimeout(30_000);
