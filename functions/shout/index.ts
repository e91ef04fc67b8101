// Loader ABI: the host passes the body as a string and sends back the returned string.
export function handle(input: string): string {
  if (input == "abort") abort("shout was asked to abort");
  return input.toUpperCase();
}
