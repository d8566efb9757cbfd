"use client";
import { useActionState } from "react";
import { type CreateItemState, createItemAction } from "./actions";

const initial: CreateItemState = { status: "idle" };

export function ItemForm() {
  const [state, formAction, pending] = useActionState(createItemAction, initial);
  const titleError = state.fieldErrors?.title;
  const statusError = state.fieldErrors?.status;

  return (
    // React resets the form after each submission; keying it on the submitted values brings a
    // rejected submission back with what the user typed.
    <form action={formAction} className="item-form" key={JSON.stringify(state.values ?? null)}>
      <div className="field">
        <label htmlFor="title">Title</label>
        <input
          id="title"
          name="title"
          required
          maxLength={200}
          defaultValue={state.values?.title}
          aria-invalid={titleError !== undefined}
          aria-describedby={titleError === undefined ? undefined : "title-error"}
        />
        {titleError !== undefined && (
          <p id="title-error" className="field-error">
            {titleError}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="status">Status</label>
        <select id="status" name="status" defaultValue={state.values?.status ?? "todo"}>
          <option value="todo">To do</option>
          <option value="doing">Doing</option>
          <option value="done">Done</option>
        </select>
        {statusError !== undefined && <p className="field-error">{statusError}</p>}
      </div>
      <button type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add item"}
      </button>
      <p role="status" className={state.status === "failed" ? "form-error" : "form-message"}>
        {state.message}
      </p>
    </form>
  );
}
