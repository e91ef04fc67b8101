// Thrown by a contender's setup when it cannot run on this machine; the run goes on and says why.

export class Unavailable extends Error {
  override readonly name = 'Unavailable';
}
