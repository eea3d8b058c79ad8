import { useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Actions, BackButton, Screen } from '../screen.tsx';
import type { Prompt, Step } from '../types.ts';

type PromptStep = Extract<Step, { kind: 'prompt' }>;

const fieldName: Record<Exclude<Prompt['kind'], 'options'>, string> = {
  mfa: 'One-time code',
  confirm_mfa: 'One-time code',
  security_question: 'Security answer',
};

/** One further question from the bank: a typed answer, or a choice among options. */
export function PromptScreen({ flow, step }: { flow: Flow; step: PromptStep }) {
  const { prompt } = step;
  const [answer, setAnswer] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    if (!answer) return flow.say('Choose one of the options.');
    void flow.act(() => flow.api.post('answer', { answer }));
  };
  return (
    <Screen title={`Verify it's you at ${step.institution.name}`}>
      <form onSubmit={submit}>
        {prompt.kind === 'options' ? (
          <fieldset class="choices">
            <legend>{prompt.message}</legend>
            {(prompt.options ?? []).map((option) => (
              <label key={option} class="choice">
                <input
                  type="radio"
                  name="answer"
                  value={option}
                  checked={answer === option}
                  onChange={() => setAnswer(option)}
                />
                <span>{option}</span>
              </label>
            ))}
          </fieldset>
        ) : (
          <>
            <p id="prompt-message">{prompt.message}</p>
            <label class="field">
              <span>{fieldName[prompt.kind]}</span>
              <input
                name="answer"
                required
                aria-describedby="prompt-message"
                autoComplete={prompt.kind === 'security_question' ? 'off' : 'one-time-code'}
                value={answer}
                onInput={(event) => setAnswer(event.currentTarget.value)}
              />
            </label>
          </>
        )}
        <Actions>
          <button type="submit" class="primary" disabled={flow.busy}>
            Continue
          </button>
          <BackButton flow={flow} />
        </Actions>
      </form>
    </Screen>
  );
}
