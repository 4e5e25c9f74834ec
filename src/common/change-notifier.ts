// Lets caches hear about writes made by a service in this process.
export class ChangeNotifier {
  private readonly listeners: (() => void)[] = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  protected changed(): void {
    for (const listener of this.listeners) listener();
  }
}
