// Bench only: the transform every cold-start contender runs, as an AssemblyScript loader function.

export function handle(name: string): string {
  return "Hello, " + name + "!";
}
