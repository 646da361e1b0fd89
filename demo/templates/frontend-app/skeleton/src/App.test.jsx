import { afterEach, expect, test } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import App, { APP_NAME } from './App.jsx';

afterEach(cleanup);

test('shows the app name', () => {
  render(<App />);
  expect(screen.getByRole('heading').textContent).toBe(APP_NAME);
});

test('counts clicks', () => {
  render(<App />);
  fireEvent.click(screen.getByRole('button'));
  expect(screen.getByRole('button').textContent).toBe('Clicked 1 times');
});
