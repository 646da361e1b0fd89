import { useState } from 'react';

export const APP_NAME = '${{ values.name }}';

export default function App() {
  const [count, setCount] = useState(0);
  return (
    <main className="app">
      <h1>{APP_NAME}</h1>
      <p>Edit <code>src/App.jsx</code> and save to reload.</p>
      <button type="button" onClick={() => setCount((n) => n + 1)}>
        Clicked {count} times
      </button>
    </main>
  );
}
